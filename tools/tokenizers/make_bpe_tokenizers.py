#!/usr/bin/env python3
"""Writes two tiny byte-level BPE tokenizer folders and the ids their real tokenizers give.

  clip-bpe/   vocab.json + merges.txt + tokenizer_config.json + special_tokens_map.json laid out as
              FLUX.1-dev's tokenizer/ (CLIPTokenizer, no tokenizer.json)
  qwen2-bpe/  vocab.json + merges.txt + tokenizer_config.json laid out as a Qwen2Tokenizer folder,
              and qwen2-bpe-json/tokenizer.json, the same tokenizer as a tokenizers-library file
              (what Qwen2TokenizerFast saves)

The vocabularies are learned here by plain BPE on a few sentences, with CLIP's and GPT-2's layout:
CLIP = the 256 byte symbols, the same with "</w>", one token per merge, then <|startoftext|> and
<|endoftext|>; Qwen2 = the 256 byte symbols, one token per merge, special tokens after them as added
tokens (tokenizer_config.json's added_tokens_decoder).

cases.json in each folder holds the expected ids, computed by an implementation of the two
algorithms written here from their description (transformers' CLIPTokenizer._tokenize / bpe and
Qwen2Tokenizer._tokenize; CLIP's text cleanup as the fast tokenizer does it: NFC, whitespace runs
to one space, lowercase); no tokenizers library is involved. Needs python3 and the `regex` package.

    python3 tools/tokenizers/make_bpe_tokenizers.py --out java/src/test/resources/tokenizers
"""
import argparse
import collections
import json
import os
import unicodedata

import regex

CLIP_SPLIT = r"""'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""
QWEN2_SPLIT = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""

CORPUS = [
    "a photo of a cat sitting on the red mat",
    "a photograph of two cats playing in the garden at dawn",
    "the quick brown fox jumps over the lazy dog",
    "A RED FOX, in the snow! it's cold, isn't it?",
    "three dogs and 42 birds over the river",
    "caf\u00e9 na\u00efve r\u00e9sum\u00e9",
    "describe the image by detailing the color, shape, size and texture",
]

CASES = [
    "a photo of a cat",
    "A  Photo\tof\na CAT",
    "  leading and trailing spaces  ",
    "it's a dog's life, isn't it?!",
    "42 cats and 7 dogs",
    "caf\u00e9 (composed) and cafe\u0301 (decomposed)",
    "Zebra-stripes & x",
    "",
]


def bytes_to_unicode():
    """GPT-2's reversible map of the 256 bytes to printable characters."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\u00a1"), ord("\u00ac") + 1)) + list(range(ord("\u00ae"), ord("\u00ff") + 1))
    chars = keep[:]
    extra = 0
    for b in range(256):
        if b not in keep:
            keep.append(b)
            chars.append(256 + extra)
            extra += 1
    return {b: chr(c) for b, c in zip(keep, chars)}


BYTE = bytes_to_unicode()


def byte_symbols(piece):
    return "".join(BYTE[b] for b in piece.encode("utf-8"))


def learn_merges(words, count):
    """Plain BPE training: repeatedly merge the most frequent adjacent pair (ties: first seen)."""
    seqs = collections.Counter(tuple(w) for w in words)
    merges = []
    for _ in range(count):
        pairs = collections.Counter()
        for seq, n in seqs.items():
            for a, b in zip(seq, seq[1:]):
                pairs[(a, b)] += n
        if not pairs:
            break
        best = max(pairs.items(), key=lambda kv: kv[1])[0]
        merges.append(best)
        merged = collections.Counter()
        for seq, n in seqs.items():
            out, i = [], 0
            while i < len(seq):
                if i + 1 < len(seq) and (seq[i], seq[i + 1]) == best:
                    out.append(seq[i] + seq[i + 1])
                    i += 2
                else:
                    out.append(seq[i])
                    i += 1
            merged[tuple(out)] += n
        seqs = merged
    return merges


def bpe(symbols, ranks):
    """Merge the lowest-ranked adjacent pair until none is in the merges (CLIPTokenizer.bpe, GPT2Tokenizer.bpe)."""
    word = list(symbols)
    while len(word) > 1:
        pairs = [(ranks.get((a, b), None), i) for i, (a, b) in enumerate(zip(word, word[1:]))]
        pairs = [p for p in pairs if p[0] is not None]
        if not pairs:
            break
        rank = min(p[0] for p in pairs)
        a, b = [k for k, v in ranks.items() if v == rank][0]
        out, i = [], 0
        while i < len(word):
            if i + 1 < len(word) and word[i] == a and word[i + 1] == b:
                out.append(a + b)
                i += 2
            else:
                out.append(word[i])
                i += 1
        word = out
    return word


def clip_words(text):
    text = regex.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).lower()
    return regex.findall(CLIP_SPLIT, text)


def clip_symbols(word):
    s = byte_symbols(word)
    return list(s[:-1]) + [s[-1] + "</w>"]


def make_clip(out):
    words = [w for line in CORPUS for w in clip_words(line)]
    merges = learn_merges([clip_symbols(w) for w in words], 120)
    vocab = {}
    for c in BYTE.values():
        vocab[c] = len(vocab)
    for c in BYTE.values():
        vocab[c + "</w>"] = len(vocab)
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    bos, eos = len(vocab), len(vocab) + 1
    vocab["<|startoftext|>"] = bos
    vocab["<|endoftext|>"] = eos
    ranks = {m: i for i, m in enumerate(merges)}
    max_length = 16
    cases = []
    for text in CASES:
        ids = [vocab[t] for w in clip_words(text) for t in bpe(clip_symbols(w), ranks)]
        full = [bos] + ids + [eos]
        cut = full if len(full) <= max_length else full[: max_length - 1] + [eos]
        cases.append({"text": text, "ids": full, "ids_max_length": cut + [eos] * (max_length - len(cut)),
                      "mask_max_length": [1] * len(cut) + [0] * (max_length - len(cut))})
    folder = os.path.join(out, "clip-bpe")
    os.makedirs(folder, exist_ok=True)
    dump(os.path.join(folder, "vocab.json"), vocab)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join("%s %s\n" % m for m in merges))
    special = {"content": None, "lstrip": False, "normalized": True, "rstrip": False, "single_word": False, "special": True}
    dump(os.path.join(folder, "tokenizer_config.json"), {
        "add_prefix_space": False,
        "added_tokens_decoder": {str(bos): dict(special, content="<|startoftext|>"), str(eos): dict(special, content="<|endoftext|>")},
        "bos_token": "<|startoftext|>", "clean_up_tokenization_spaces": True, "do_lower_case": True,
        "eos_token": "<|endoftext|>", "errors": "replace", "model_max_length": max_length,
        "pad_token": "<|endoftext|>", "tokenizer_class": "CLIPTokenizer", "unk_token": "<|endoftext|>"})
    token = {"lstrip": False, "normalized": True, "rstrip": False, "single_word": False}
    dump(os.path.join(folder, "special_tokens_map.json"), {
        "bos_token": dict(token, content="<|startoftext|>"), "eos_token": dict(token, content="<|endoftext|>"),
        "pad_token": "<|endoftext|>", "unk_token": dict(token, content="<|endoftext|>")})
    dump(os.path.join(folder, "cases.json"), {"max_length": max_length, "bos": bos, "eos": eos, "cases": cases})


def make_qwen2(out):
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    words = [w for line in CORPUS for w in regex.findall(QWEN2_SPLIT, unicodedata.normalize("NFC", line))]
    merges = learn_merges([list(byte_symbols(w)) for w in words], 120)
    vocab = {}
    for c in BYTE.values():
        vocab[c] = len(vocab)
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    added = {t: len(vocab) + i for i, t in enumerate(specials)}
    ranks = {m: i for i, m in enumerate(merges)}
    special_split = "(" + "|".join(regex.escape(t) for t in specials) + ")"

    def encode(text):
        ids = []
        for part in regex.split(special_split, text):
            if part in added:
                ids.append(added[part])
            elif part:
                for w in regex.findall(QWEN2_SPLIT, unicodedata.normalize("NFC", part)):
                    ids += [vocab[t] for t in bpe(byte_symbols(w), ranks)]
        return ids

    texts = CASES[:-1] + [
        "<|im_start|>system\nDescribe the image.<|im_end|>\n<|im_start|>user\nA red fox<|im_end|>\n",
        "line one\n\n  line two   \r\nend",
    ]
    cases = [{"text": t, "ids": encode(t)} for t in texts]
    folder = os.path.join(out, "qwen2-bpe")
    os.makedirs(folder, exist_ok=True)
    dump(os.path.join(folder, "vocab.json"), vocab)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join("%s %s\n" % m for m in merges))
    flags = {"lstrip": False, "normalized": False, "rstrip": False, "single_word": False, "special": True}
    dump(os.path.join(folder, "tokenizer_config.json"), {
        "add_prefix_space": False,
        "added_tokens_decoder": {str(i): dict(flags, content=t) for t, i in added.items()},
        "additional_special_tokens": ["<|im_start|>", "<|im_end|>"], "bos_token": None,
        "eos_token": "<|im_end|>", "errors": "replace", "model_max_length": 131072, "pad_token": "<|endoftext|>",
        "split_special_tokens": False, "tokenizer_class": "Qwen2Tokenizer", "unk_token": None})
    dump(os.path.join(folder, "cases.json"), {"pad": added["<|endoftext|>"], "cases": cases})

    json_folder = os.path.join(out, "qwen2-bpe-json")
    os.makedirs(json_folder, exist_ok=True)
    dump(os.path.join(json_folder, "tokenizer.json"), {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [dict(flags, id=i, content=t) for t, i in added.items()],
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": QWEN2_SPLIT}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}]},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "", "end_of_word_suffix": "",
                  "fuse_unk": False, "byte_fallback": False, "ignore_merges": False, "vocab": vocab,
                  "merges": ["%s %s" % m for m in merges]}})
    config = json.load(open(os.path.join(folder, "tokenizer_config.json")))
    config.pop("tokenizer_class")
    dump(os.path.join(json_folder, "tokenizer_config.json"), config)


def dump(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    a = p.parse_args()
    make_clip(a.out)
    make_qwen2(a.out)


if __name__ == "__main__":
    main()
