#!/usr/bin/env python3
"""Validates kl_vae_np (float64) against diffusers' golden/flux_vae and golden/sd_vae.

    python3 tools/reference/check_kl_vae.py [--golden DIR]   (DIR holds flux_vae/ and sd_vae/)
"""
import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import kl_vae_np  # noqa: E402
import safetensors_np as st  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))


def rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def compare_acts(acts, io, result):
    for name, value in acts.items():
        if "act." + name in io:
            result["act." + name] = rel(value, io["act." + name])


def check_flux(folder):
    model = kl_vae_np.KlVae.from_folder(folder)
    io, _ = st.load(os.path.join(folder, "io.safetensors"))
    acts = {}
    raw = model.denormalize(io["in.latents"])
    sample = model.decode(raw, acts)
    mean, logvar = model.encode(io["in.image"], acts)
    assert not sorted(set(model.W) - model.used)
    result = {
        "pack(in.latents) == in.packed_latents": bool(np.array_equal(kl_vae_np.pack(io["in.latents"]), io["in.packed_latents"])),
        "act.vae_decode_input": rel(raw, io["act.vae_decode_input"]),
        "out.sample": rel(sample, io["out.sample"]),
        "out.image": rel(kl_vae_np.to_unit(sample), io["out.image"]),
        "out.latent_mean": rel(mean, io["out.latent_mean"]),
        "out.latent_logvar": rel(logvar, io["out.latent_logvar"]),
    }
    compare_acts(acts, io, result)
    return result


def check_sd(folder):
    model = kl_vae_np.KlVae.from_folder(folder)
    io, _ = st.load(os.path.join(folder, "io.safetensors"))
    acts = {}
    raw = model.denormalize(io["in.latents"])
    video = model.decode_video(raw, acts)
    mean, logvar = model.encode(io["in.image"], acts)
    assert not sorted(set(model.W) - model.used)
    b, z, f, h, w = raw.shape
    result = {
        "act.vae_decode_input": rel(raw.transpose(0, 2, 1, 3, 4).reshape(b * f, z, h, w), io["act.vae_decode_input"]),
        "out.video": rel(video, io["out.video"]),
        "out.frames": rel(kl_vae_np.to_unit(video.transpose(0, 2, 1, 3, 4), 2), io["out.frames"]),
        "out.latent_mean": rel(mean, io["out.latent_mean"]),
        "out.latent_logvar": rel(logvar, io["out.latent_logvar"]),
    }
    compare_acts(acts, io, result)
    return result


def check(golden):
    return {"flux_vae": check_flux(os.path.join(golden, "flux_vae")), "sd_vae": check_sd(os.path.join(golden, "sd_vae"))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", default=os.path.join(REPO, "java/src/test/resources/golden"))
    args = ap.parse_args()
    result = check(args.golden)
    print(json.dumps(result, indent=1))
    worst = max(v for r in result.values() for v in r.values() if not isinstance(v, bool))
    exact = all(v for r in result.values() for v in r.values() if isinstance(v, bool))
    print("worst", worst, "packing exact", exact)
    sys.exit(0 if worst < 1e-5 and exact else 1)


if __name__ == "__main__":
    main()
