#!/usr/bin/env python3
"""Writes java/src/test/resources/golden/{kl_vae-variant,kl_vae-noattn}: AutoencoderKL configs of our
own, computed by the float64 reference kl_vae_np (validated against diffusers' golden/flux_vae and
golden/sd_vae by check_kl_vae.py), for what those goldens do not cover:

* kl_vae-variant: 3 levels (spatial factor 4), layers_per_block 1, 2 groups, in_channels 4 != out 3,
  latent_channels 3, scaling and shift with quant convs, a batch of 2 non-square 3-frame videos
  decoded by a port in calls of decode_chunk_size 4 (the first call straddles the two videos), and
  the checkpoint's mid-block attention under the pre-0.14 names query/key/value/proj_attn.
* kl_vae-noattn: mid_block_add_attention false, use_quant_conv false with use_post_quant_conv true,
  2 levels, a batch of 2 non-square packed images whose pixel size (13 x 21) is not a multiple of
  2 * vae_scale_factor (the pipelines floor it).

    python3 tools/reference/make_kl_vae_golden.py [--out java/src/test/resources/golden]

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
import check_kl_vae  # noqa: E402
import kl_vae_np  # noqa: E402
import safetensors_np as st  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
SEED = 20260903


def config(**over):
    c = {
        "_class_name": "AutoencoderKL",
        "_diffusers_version": "0.40.0.dev0",
        "act_fn": "silu",
        "force_upcast": True,
        "latents_mean": None,
        "latents_std": None,
        "sample_size": 64,
    }
    c.update(over)
    n = len(c["block_out_channels"])
    c["down_block_types"] = ["DownEncoderBlock2D"] * n
    c["up_block_types"] = ["UpDecoderBlock2D"] * n
    return c


VARIANT = config(in_channels=4, out_channels=3, block_out_channels=[4, 6, 8], layers_per_block=1, norm_num_groups=2,
                 latent_channels=3, scaling_factor=0.5, shift_factor=0.25, use_quant_conv=True,
                 use_post_quant_conv=True, mid_block_add_attention=True)
NOATTN = config(in_channels=3, out_channels=3, block_out_channels=[4, 8], layers_per_block=2, norm_num_groups=4,
                latent_channels=4, scaling_factor=0.7, shift_factor=0.1, use_quant_conv=False,
                use_post_quant_conv=True, mid_block_add_attention=False)


def parameter_shapes(c, legacy=False):
    """diffusers' AutoencoderKL.__init__ parameter names and shapes for config c."""
    shapes = {}
    ch, layers, z = c["block_out_channels"], c["layers_per_block"], c["latent_channels"]

    def conv(name, o, i, k):
        shapes[name + ".weight"] = (o, i, k, k)
        shapes[name + ".bias"] = (o,)

    def norm(name, d):
        shapes[name + ".weight"] = (d,)
        shapes[name + ".bias"] = (d,)

    def res(p, i, o):
        norm(p + ".norm1", i)
        conv(p + ".conv1", o, i, 3)
        norm(p + ".norm2", o)
        conv(p + ".conv2", o, o, 3)
        if i != o:
            conv(p + ".conv_shortcut", o, i, 1)

    def mid(p, d):
        res(p + ".resnets.0", d, d)
        if c["mid_block_add_attention"]:
            a = p + ".attentions.0"
            norm(a + ".group_norm", d)
            names = ("query", "key", "value", "proj_attn") if legacy else ("to_q", "to_k", "to_v", "to_out.0")
            for n in names:
                shapes[f"{a}.{n}.weight"] = (d, d)
                shapes[f"{a}.{n}.bias"] = (d,)
        res(p + ".resnets.1", d, d)

    conv("encoder.conv_in", ch[0], c["in_channels"], 3)
    for i in range(len(ch)):
        d_in = ch[0] if i == 0 else ch[i - 1]
        for k in range(layers):
            res(f"encoder.down_blocks.{i}.resnets.{k}", d_in if k == 0 else ch[i], ch[i])
        if i != len(ch) - 1:
            conv(f"encoder.down_blocks.{i}.downsamplers.0.conv", ch[i], ch[i], 3)
    mid("encoder.mid_block", ch[-1])
    norm("encoder.conv_norm_out", ch[-1])
    conv("encoder.conv_out", 2 * z, ch[-1], 3)
    if c["use_quant_conv"]:
        conv("quant_conv", 2 * z, 2 * z, 1)
    if c["use_post_quant_conv"]:
        conv("post_quant_conv", z, z, 1)
    rev = ch[::-1]
    conv("decoder.conv_in", rev[0], z, 3)
    mid("decoder.mid_block", rev[0])
    for i in range(len(ch)):
        d_in = rev[0] if i == 0 else rev[i - 1]
        for k in range(layers + 1):
            res(f"decoder.up_blocks.{i}.resnets.{k}", d_in if k == 0 else rev[i], rev[i])
        if i != len(ch) - 1:
            conv(f"decoder.up_blocks.{i}.upsamplers.0.conv", rev[i], rev[i], 3)
    norm("decoder.conv_norm_out", ch[0])
    conv("decoder.conv_out", c["out_channels"], ch[0], 3)
    return shapes


def make_weights(shapes, rng):
    """As golden/sd_vae: weights N(0, (g/sqrt(fan_in))^2) (g=1, decoder.conv_out 0.7), biases
    U(-0.1, 0.1), GroupNorm weights U(0.75, 1.25)."""
    weights = {}
    for name in sorted(shapes):
        shape = shapes[name]
        if name.endswith(".bias"):
            v = rng.uniform(-0.1, 0.1, shape)
        elif len(shape) == 1:
            v = rng.uniform(0.75, 1.25, shape)
        else:
            g = 0.7 if name == "decoder.conv_out.weight" else 1.0
            v = rng.standard_normal(shape) * g / math.sqrt(int(np.prod(shape[1:])))
        weights[name] = v.astype(np.float32)
    return weights


def write(folder, cfg, weights, io, meta):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    st.save(os.path.join(folder, "diffusion_pytorch_model.safetensors"), weights)
    st.save(os.path.join(folder, "io.safetensors"), io)
    with open(os.path.join(folder, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(REPO, "java/src/test/resources/golden"))
    args = ap.parse_args()
    rng = np.random.default_rng(SEED)
    f32 = np.float32
    validation = check_kl_vae.check(os.path.join(REPO, "java/src/test/resources/golden"))
    made_by = ("tools/reference/make_kl_vae_golden.py: float64 reference kl_vae_np (frames decoded as one image batch, "
               "no chunks), outputs rounded to float32; not PyTorch")

    # kl_vae-variant: videos, chunks across videos, legacy attention names.
    weights = make_weights(parameter_shapes(VARIANT, legacy=True), rng)
    latents = rng.standard_normal((2, 3, 3, 3, 5)).astype(f32)
    video = rng.uniform(-1.0, 1.0, (2, 4, 2, 12, 20)).astype(f32)
    model = kl_vae_np.KlVae(VARIANT, weights)
    raw = model.denormalize(latents)
    sample = model.decode_video(raw)
    mean, logvar = model.encode_video(video)
    assert not sorted(set(model.W) - model.used)
    io = {
        "in.latents": latents,
        "in.decode_chunk_size": np.array([4], dtype=np.int64),
        "in.video": video,
        "act.vae_decode_input": raw,
        "out.sample": sample.astype(f32),
        "out.frames": kl_vae_np.to_unit(sample.transpose(0, 2, 1, 3, 4), 2).astype(f32),
        "out.latent_mean": mean.astype(f32),
        "out.latent_logvar": logvar.astype(f32),
    }
    write(os.path.join(args.out, "kl_vae-variant"), VARIANT, weights, io, {
        "model": "AutoencoderKL", "made_by": made_by, "seed": SEED,
        "purpose": "3 levels (spatial factor 4), layers_per_block 1, 2 groups, in_channels 4, latent_channels 3, scaling "
                   "0.5 + shift 0.25 (FluxPipeline's formula), quant convs on, B=2 non-square 3-frame videos; a port decodes "
                   "in calls of in.decode_chunk_size=4 frames over the 6 batch-major frames (calls [0,4) and [4,6): the "
                   "first straddles the videos); the checkpoint names the mid-block attention query/key/value/proj_attn "
                   "(pre-0.14 diffusers; diffusers renames them on load)",
        "init": VARIANT,
        "outputs": {
            "act.vae_decode_input": "float32 in.latents / 0.5 + 0.25",
            "out.sample": "every frame of act.vae_decode_input decoded (no clamp): (2, 3, 3, 12, 20)",
            "out.frames": "(x/2+0.5).clamp(0,1), (B, F, H, W, C)",
            "out.latent_mean": "every frame of in.video encoded, raw: (2, 3, 2, 3, 5)",
            "out.latent_logvar": "clamped to [-30, 20]",
        },
        "checks": {"out_sample_std": float(sample.std()), "reference_vs_diffusers_goldens": validation},
    })

    # kl_vae-noattn: packed images, floored pixel sizes, no attention, post_quant_conv only.
    weights = make_weights(parameter_shapes(NOATTN), rng)
    height, width, vsf = 13, 21, 2 ** (len(NOATTN["block_out_channels"]) - 1)
    h, w = 2 * (height // (2 * vsf)), 2 * (width // (2 * vsf))
    latents = rng.standard_normal((2, NOATTN["latent_channels"], h, w)).astype(f32)
    images = rng.uniform(-1.0, 1.0, (2, 3, h * vsf, w * vsf)).astype(f32)
    model = kl_vae_np.KlVae(NOATTN, weights)
    raw = model.denormalize(latents)
    sample = model.decode(raw)
    mean, logvar = model.encode(images)
    assert not sorted(set(model.W) - model.used)
    io = {
        "in.packed_latents": kl_vae_np.pack(latents),
        "in.height": np.array([height], dtype=np.int64),
        "in.width": np.array([width], dtype=np.int64),
        "in.latents": latents,
        "in.image": images,
        "act.vae_decode_input": raw,
        "out.sample": sample.astype(f32),
        "out.image": kl_vae_np.to_unit(sample).astype(f32),
        "out.latent_mean": mean.astype(f32),
        "out.latent_logvar": logvar.astype(f32),
    }
    write(os.path.join(args.out, "kl_vae-noattn"), NOATTN, weights, io, {
        "model": "AutoencoderKL", "made_by": made_by, "seed": SEED,
        "purpose": "mid_block_add_attention false, use_quant_conv false but use_post_quant_conv true, 2 levels (spatial "
                   "factor 2), B=2 non-square images given as packed tokens for a 13 x 21 pixel request, which the "
                   "pipelines floor to 12 x 20 (latents 6 x 10)",
        "init": NOATTN,
        "outputs": {
            "in.latents": "unpack(in.packed_latents, 13, 21, vae_scale_factor=2): (2, 4, 6, 10)",
            "act.vae_decode_input": "float32 in.latents / 0.7 + 0.1",
            "out.sample": "decode (no clamp): (2, 3, 12, 20)",
            "out.image": "(x/2+0.5).clamp(0,1), (B, H, W, C)",
            "out.latent_mean": "encode(in.image), raw: (2, 4, 6, 10)",
        },
        "checks": {"out_sample_std": float(sample.std()), "reference_vs_diffusers_goldens": validation},
    })
    print(json.dumps(validation, indent=1))


if __name__ == "__main__":
    main()
