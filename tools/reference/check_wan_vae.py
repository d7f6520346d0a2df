#!/usr/bin/env python3
"""Validates wan_vae_np (float64, whole sequence, no cache) against diffusers' golden/wan_vae.

    python3 tools/reference/check_wan_vae.py [--golden DIR]
"""
import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import safetensors_np as st  # noqa: E402
import wan_vae_np  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))


def rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def check(folder):
    model = wan_vae_np.WanVae.from_folder(folder)
    io, _ = st.load(os.path.join(folder, "io.safetensors"))
    raw = model.denormalize(io["in.latents"])
    acts = {}
    sample = model.decode(raw, acts)
    mean, logvar = model.encode(io["in.video"])
    unused = sorted(set(model.W) - model.used)
    assert not unused, unused
    result = {
        "act.vae_decode_input": rel(raw, io["act.vae_decode_input"]),
        "out.sample": rel(sample, io["out.sample"]),
        "out.frames": rel(wan_vae_np.frames(sample), io["out.frames"]),
        "out.latent_mean": rel(mean, io["out.latent_mean"]),
        "out.latent_logvar": rel(logvar, io["out.latent_logvar"]),
    }
    # The golden's per-chunk up block outputs concatenated over chunks are the whole-sequence ones.
    for i in range(len(model.mult)):
        chunks = [io[f"act.decoder.up_blocks.{i}.chunk{c}"] for c in range(raw.shape[2])]
        result[f"act.decoder.up_blocks.{i} (chunks concatenated)"] = rel(acts[f"up_blocks.{i}"], np.concatenate(chunks, axis=2))
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", default=os.path.join(REPO, "java/src/test/resources/golden/wan_vae"))
    args = ap.parse_args()
    result = check(args.golden)
    print(json.dumps(result, indent=1))
    worst = max(result.values())
    print("worst", worst)
    sys.exit(0 if worst < 1e-5 else 1)


if __name__ == "__main__":
    main()
