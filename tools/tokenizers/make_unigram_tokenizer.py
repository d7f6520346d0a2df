#!/usr/bin/env python3
"""Writes a T5TokenizerFast-style tokenizer.json from a sentencepiece unigram spiece.model.

It follows transformers' convert_slow_tokenizer.T5Converter (SpmConverter): the pieces with their
scores as a Unigram model (unk_id from the trainer spec), the model's precompiled normalization
charsmap as a Precompiled normalizer, WhitespaceSplit + Metaspace("\u2581", prepend always) as
pre-tokenizer, "$A </s>" / "$A </s> $B </s>" as post-processor, and control pieces as special
added tokens. The protobuf is read by hand (only python3 needed).

    python3 tools/tokenizers/make_unigram_tokenizer.py \
        --spiece /work/shared/golden/t5_tokenizer/spiece.model \
        --cases /work/shared/golden/t5_tokenizer/cases.json \
        --out java/src/test/resources/tokenizers/unigram-t5
"""
import argparse
import base64
import json
import os
import shutil
import struct


def fields(buf):
    """(field number, wire type, value) of each field of one protobuf message."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(buf, i)
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 2:
            length, i = varint(buf, i)
            value, i = buf[i:i + length], i + length
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("unsupported wire type %d" % wire)
        yield number, wire, value


def varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def read_model(path):
    data = open(path, "rb").read()
    pieces, unk_id, charsmap = [], None, b""
    for number, _, value in fields(data):
        if number == 1:  # SentencePiece
            piece, score, kind = None, 0.0, 1
            for n, _, v in fields(value):
                if n == 1:
                    piece = v.decode("utf-8")
                elif n == 2:
                    score = struct.unpack("<f", v)[0]
                elif n == 3:
                    kind = v
            pieces.append((piece, score, kind))
        elif number == 2:  # TrainerSpec
            for n, _, v in fields(value):
                if n == 40:
                    unk_id = v
        elif number == 3:  # NormalizerSpec
            for n, _, v in fields(value):
                if n == 2:
                    charsmap = v
    return pieces, unk_id, charsmap


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spiece", required=True)
    ap.add_argument("--cases")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    pieces, unk_id, charsmap = read_model(args.spiece)
    if unk_id is None:
        unk_id = next(i for i, p in enumerate(pieces) if p[2] == 2)
    eos = next(i for i, p in enumerate(pieces) if p[0] == "</s>")
    added = [
        {"id": i, "content": p, "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": False, "special": kind in (2, 3)}
        for i, (p, _, kind) in enumerate(pieces) if kind in (2, 3, 4)
    ]
    tokenizer = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "Precompiled", "precompiled_charsmap": base64.b64encode(charsmap).decode("ascii")},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "WhitespaceSplit"},
            {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        ]},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "special_tokens": {"</s>": {"id": "</s>", "ids": [eos], "tokens": ["</s>"]}},
        },
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "model": {"type": "Unigram", "unk_id": unk_id, "vocab": [[p, s] for p, s, _ in pieces], "byte_fallback": False},
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer, f, ensure_ascii=False, indent=1)
        f.write("\n")
    config = {"eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>", "extra_ids": 0,
              "additional_special_tokens": [], "model_max_length": 512, "padding_side": "right",
              "tokenizer_class": "T5Tokenizer"}
    with open(os.path.join(args.out, "tokenizer_config.json"), "w") as f:
        json.dump(config, f, indent=1)
        f.write("\n")
    if args.cases:
        shutil.copyfile(args.cases, os.path.join(args.out, "cases.json"))


if __name__ == "__main__":
    main()
