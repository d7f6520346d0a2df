#!/usr/bin/env python3
"""Writes java/src/test/resources/golden/wan_vae-variant: an AutoencoderKLWan config of our own,
computed by the float64 whole-sequence reference wan_vae_np (validated against diffusers' golden/wan_vae
by check_wan_vae.py), for ports to check their chunked decode/encode on shapes the diffusers golden
does not have.

    python3 tools/reference/make_wan_vae_golden.py [--out java/src/test/resources/golden]

Deterministic: rerunning gives identical bytes.
"""
import argparse
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check_wan_vae  # noqa: E402
import safetensors_np as st  # noqa: E402
import wan_vae_np  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
SEED = 20260901

CONFIG = {
    "_class_name": "AutoencoderKLWan",
    "_diffusers_version": "0.40.0.dev0",
    "attn_scales": [],
    "base_dim": 6,
    "decoder_base_dim": 4,
    "dim_mult": [1, 2, 3],
    "dropout": 0.0,
    "in_channels": 3,
    "is_residual": False,
    "latents_mean": [0.25, -0.5, 1.125],
    "latents_std": [1.5, 0.75, 2.25],
    "num_res_blocks": 1,
    "out_channels": 3,
    "patch_size": None,
    "scale_factor_spatial": 4,
    "scale_factor_temporal": 2,
    "temperal_downsample": [True, False],
    "z_dim": 3,
}
LATENTS = (2, 3, 4, 3, 5)  # decode: B=2, T=4 -> 1 + 2*3 = 7 frames of 12 x 20
VIDEO = (2, 3, 9, 12, 20)  # encode: 9 frames -> 1 + 8/2 = 5 latent frames of 3 x 5


def parameter_shapes(c):
    """diffusers' AutoencoderKLWan.__init__ parameter names and shapes for config c (Wan2.1 layout)."""
    shapes = {}
    z, nres, mult, tdown = c["z_dim"], c["num_res_blocks"], c["dim_mult"], c["temperal_downsample"]

    def conv(name, o, i, k):
        shapes[name + ".weight"] = (o, i) + tuple(k)
        shapes[name + ".bias"] = (o,)

    def res(p, i, o):
        shapes[p + ".norm1.gamma"] = (i, 1, 1, 1)
        conv(p + ".conv1", o, i, (3, 3, 3))
        shapes[p + ".norm2.gamma"] = (o, 1, 1, 1)
        conv(p + ".conv2", o, o, (3, 3, 3))
        if i != o:
            conv(p + ".conv_shortcut", o, i, (1, 1, 1))

    def mid(p, d):
        res(p + ".resnets.0", d, d)
        shapes[p + ".attentions.0.norm.gamma"] = (d, 1, 1)
        conv(p + ".attentions.0.to_qkv", 3 * d, d, (1, 1))
        conv(p + ".attentions.0.proj", d, d, (1, 1))
        res(p + ".resnets.1", d, d)

    dims = [c["base_dim"] * u for u in [1] + mult]
    conv("encoder.conv_in", dims[0], c["in_channels"], (3, 3, 3))
    j = 0
    for i in range(len(mult)):
        d_in, d_out = dims[i], dims[i + 1]
        for _ in range(nres):
            res(f"encoder.down_blocks.{j}", d_in, d_out)
            d_in = d_out
            j += 1
        if i != len(mult) - 1:
            conv(f"encoder.down_blocks.{j}.resample.1", d_out, d_out, (3, 3))
            if tdown[i]:
                conv(f"encoder.down_blocks.{j}.time_conv", d_out, d_out, (3, 1, 1))
            j += 1
    mid("encoder.mid_block", dims[-1])
    shapes["encoder.norm_out.gamma"] = (dims[-1], 1, 1, 1)
    conv("encoder.conv_out", 2 * z, dims[-1], (3, 3, 3))
    conv("quant_conv", 2 * z, 2 * z, (1, 1, 1))
    conv("post_quant_conv", z, z, (1, 1, 1))

    dec = c["decoder_base_dim"] or c["base_dim"]
    dims = [dec * u for u in [mult[-1]] + mult[::-1]]
    tup = tdown[::-1]
    conv("decoder.conv_in", dims[0], z, (3, 3, 3))
    mid("decoder.mid_block", dims[0])
    for i in range(len(mult)):
        d_in, d_out = (dims[i] // 2 if i > 0 else dims[i]), dims[i + 1]
        for k in range(nres + 1):
            res(f"decoder.up_blocks.{i}.resnets.{k}", d_in, d_out)
            d_in = d_out
        if i != len(mult) - 1:
            conv(f"decoder.up_blocks.{i}.upsamplers.0.resample.1", d_out // 2, d_out, (3, 3))
            if tup[i]:
                conv(f"decoder.up_blocks.{i}.upsamplers.0.time_conv", 2 * d_out, d_out, (3, 1, 1))
    shapes["decoder.norm_out.gamma"] = (dims[-1], 1, 1, 1)
    conv("decoder.conv_out", c["out_channels"], dims[-1], (3, 3, 3))
    return shapes


def make_weights(shapes, rng):
    """As golden/wan_vae: weights N(0, (g/sqrt(fan_in))^2) (g=1, decoder.conv_out 0.6), biases
    U(-0.1, 0.1), RMS gammas U(0.75, 1.25)."""
    weights = {}
    for name in sorted(shapes):
        shape = shapes[name]
        if name.endswith(".gamma"):
            v = rng.uniform(0.75, 1.25, shape)
        elif name.endswith(".bias"):
            v = rng.uniform(-0.1, 0.1, shape)
        else:
            g = 0.6 if name == "decoder.conv_out.weight" else 1.0
            v = rng.standard_normal(shape) * g / math.sqrt(int(np.prod(shape[1:])))
        weights[name] = v.astype(np.float32)
    return weights


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(REPO, "java/src/test/resources/golden"))
    args = ap.parse_args()
    folder = os.path.join(args.out, "wan_vae-variant")
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(SEED)
    weights = make_weights(parameter_shapes(CONFIG), rng)
    latents = rng.standard_normal(LATENTS).astype(np.float32)
    video = rng.uniform(-1.0, 1.0, VIDEO).astype(np.float32)

    model = wan_vae_np.WanVae(CONFIG, weights)
    raw = model.denormalize(latents)
    sample = model.decode(raw)
    mean, logvar = model.encode(video)
    unused = sorted(set(model.W) - model.used)
    assert not unused, unused
    pre_clamp = np.abs(sample).max()

    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2, sort_keys=True)
        f.write("\n")
    st.save(os.path.join(folder, "diffusion_pytorch_model.safetensors"), weights)
    f32 = np.float32
    io = {
        "in.latents": latents,
        "in.video": video,
        "act.vae_decode_input": raw,
        "out.sample": sample.astype(f32),
        "out.frames": wan_vae_np.frames(sample).astype(f32),
        "out.latent_mean": mean.astype(f32),
        "out.latent_logvar": logvar.astype(f32),
    }
    st.save(os.path.join(folder, "io.safetensors"), io)
    validation = check_wan_vae.check(os.path.join(REPO, "java/src/test/resources/golden/wan_vae"))
    meta = {
        "model": "AutoencoderKLWan",
        "made_by": "tools/reference/make_wan_vae_golden.py: float64 whole-sequence reference wan_vae_np (no chunk loop, "
                   "no cache), outputs rounded to float32; not PyTorch",
        "seed": SEED,
        "purpose": "a config unlike golden/wan_vae: one temporal down/upsampling (temporal factor 2, so encode chunks of 4 "
                   "frames give 2 latent frames each), 3 levels (spatial factor 4), decoder_base_dim != base_dim, "
                   "num_res_blocks 1, z_dim 3, batch 2 with non-square latents 3 x 5",
        "init": CONFIG,
        "inputs": {
            "in.latents": "normalised latents (as the transformer produces them) %s, N(0,1)" % (list(LATENTS),),
            "in.video": "video %s in U(-1,1)" % (list(VIDEO),),
        },
        "outputs": {
            "act.vae_decode_input": "float32 latents / (1/latents_std) + latents_mean, as WanPipeline",
            "out.sample": "decode of act.vae_decode_input clamped to [-1,1]: (2, 3, 7, 12, 20)",
            "out.frames": "(x/2+0.5).clamp(0,1), (B, F, H, W, C)",
            "out.latent_mean": "encode(in.video) mean, raw (not normalised): (2, 3, 5, 3, 5)",
            "out.latent_logvar": "encode(in.video) logvar clamped to [-30, 20]",
        },
        "checks": {
            "out_sample_std": float(sample.std()),
            "out_sample_clamped_fraction": float((np.abs(sample) >= 1.0).mean()),
            "reference_vs_diffusers_golden_wan_vae": validation,
        },
    }
    with open(os.path.join(folder, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print(json.dumps(meta["checks"], indent=1), "pre-clamp absmax", pre_clamp)


if __name__ == "__main__":
    main()
