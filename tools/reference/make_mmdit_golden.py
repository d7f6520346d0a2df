#!/usr/bin/env python3
"""Golden test folders for the FLUX and Qwen-Image ports, produced by the float64 NumPy reference.

    python3 tools/reference/make_mmdit_golden.py [--out java/src/test/resources/golden] [--shared /work/shared]

First checks tools/reference/mmdit_np.py against the diffusers goldens (/work/shared/golden/{flux,qwenimage},
or their copies in the test resources), then writes, per variant, the layout of those goldens:
    config.json, diffusion_pytorch_model.safetensors (float32 random weights, fixed seed, diffusers names),
    io.safetensors (in.*, out.sample, act.<block list>.<i>.<k>, k = 0 text stream, 1 image stream),
    meta.json (purpose, config, img_shapes, the reference's agreement with diffusers).
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
import safetensors_np as st  # noqa: E402
from mmdit_np import FluxModel, QwenImageModel  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))

VARIANTS = {
    "flux-variant": dict(
        family="flux",
        seed=20260301,
        config=dict(patch_size=1, in_channels=12, out_channels=10, num_layers=1, num_single_layers=2,
                    attention_head_dim=20, num_attention_heads=3, joint_attention_dim=14,
                    pooled_projection_dim=9, guidance_embeds=False, axes_dims_rope=[4, 8, 8]),
        batch=2, grid=(3, 5), text_len=7, timestep=[0.9, 0.35],
        purpose="FLUX.1-schnell style (no guidance embedder: CombinedTimestepTextProjEmbeddings); batch 2 with "
                "a different timestep, text and pooled text per sample; 3 heads x 20 with rope axes (4, 8, 8); "
                "non-square 3x5 token grid; out_channels != in_channels; every id column non-zero somewhere "
                "(img_ids axis 0 = 2, txt_ids small integers) so all three rope axes turn",
    ),
    "qwenimage-variant": dict(
        family="qwenimage",
        seed=20260302,
        config=dict(patch_size=2, in_channels=16, out_channels=6, num_layers=2, attention_head_dim=24,
                    num_attention_heads=2, joint_attention_dim=20, guidance_embeds=False, axes_dims_rope=[8, 8, 8],
                    zero_cond_t=False, use_additional_t_cond=False, use_layer3d_rope=False),
        batch=2, img_shapes=[1, 3, 5], text_len=9, timestep=[0.8, 0.2], valid_text=[9, 6],
        purpose="batch 2 with a different timestep and text per sample; the second sample's text is padded "
                "(its last 3 tokens masked in encoder_hidden_states_mask), so the joint attention mask matters; "
                "odd, non-square 3x5 grid (rows -2..0, columns -3..1 after scale_rope's centring); 2 heads x 24, "
                "rope axes (8, 8, 8); out_channels 6 with patch 2 (proj_out 24)",
    ),
}


def rel(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def make_weights(family, cfg, rng):
    """Random float32 weights with diffusers names: matrices N(0, 1/fan_in), biases N(0, 0.1^2),
    norm weights 1 + N(0, 0.1^2). No tensor has a zero entry."""
    D = cfg["num_attention_heads"] * cfg["attention_head_dim"]
    hd = cfg["attention_head_dim"]
    W = {}

    def lin(name, n_out, n_in):
        W[name + ".weight"] = rng.standard_normal((n_out, n_in)) / math.sqrt(n_in)
        W[name + ".bias"] = 0.1 * rng.standard_normal(n_out)

    def norm_w(name, n):
        W[name] = 1.0 + 0.1 * rng.standard_normal(n)

    def attention(p, added=True):
        for proj in ("to_q", "to_k", "to_v"):
            lin(p + proj, D, D)
        norm_w(p + "norm_q.weight", hd)
        norm_w(p + "norm_k.weight", hd)
        if added:
            for proj in ("add_q_proj", "add_k_proj", "add_v_proj"):
                lin(p + proj, D, D)
            norm_w(p + "norm_added_q.weight", hd)
            norm_w(p + "norm_added_k.weight", hd)
            lin(p + "to_out.0", D, D)
            lin(p + "to_add_out", D, D)

    def ff(p):
        lin(p + ".net.0.proj", 4 * D, D)
        lin(p + ".net.2", D, 4 * D)

    out_ch = cfg["out_channels"] or cfg["in_channels"]
    p2 = cfg["patch_size"] ** 2
    if family == "flux":
        lin("x_embedder", D, cfg["in_channels"])
        lin("context_embedder", D, cfg["joint_attention_dim"])
        t = "time_text_embed."
        lin(t + "timestep_embedder.linear_1", D, 256)
        lin(t + "timestep_embedder.linear_2", D, D)
        if cfg["guidance_embeds"]:
            lin(t + "guidance_embedder.linear_1", D, 256)
            lin(t + "guidance_embedder.linear_2", D, D)
        lin(t + "text_embedder.linear_1", D, cfg["pooled_projection_dim"])
        lin(t + "text_embedder.linear_2", D, D)
        for i in range(cfg["num_layers"]):
            p = f"transformer_blocks.{i}."
            lin(p + "norm1.linear", 6 * D, D)
            lin(p + "norm1_context.linear", 6 * D, D)
            attention(p + "attn.")
            ff(p + "ff")
            ff(p + "ff_context")
        for i in range(cfg["num_single_layers"]):
            p = f"single_transformer_blocks.{i}."
            lin(p + "norm.linear", 3 * D, D)
            attention(p + "attn.", added=False)
            lin(p + "proj_mlp", 4 * D, D)
            lin(p + "proj_out", D, 5 * D)
    else:
        lin("img_in", D, cfg["in_channels"])
        lin("txt_in", D, cfg["joint_attention_dim"])
        norm_w("txt_norm.weight", cfg["joint_attention_dim"])
        lin("time_text_embed.timestep_embedder.linear_1", D, 256)
        lin("time_text_embed.timestep_embedder.linear_2", D, D)
        for i in range(cfg["num_layers"]):
            p = f"transformer_blocks.{i}."
            lin(p + "img_mod.1", 6 * D, D)
            lin(p + "txt_mod.1", 6 * D, D)
            attention(p + "attn.")
            ff(p + "img_mlp")
            ff(p + "txt_mlp")
    lin("norm_out.linear", 2 * D, D)
    lin("proj_out", p2 * out_ch, D)
    W = {k: v.astype(np.float32) for k, v in W.items()}
    for k, v in W.items():
        assert np.all(v != 0), k
    return W


def make_inputs(name, spec, rng):
    cfg = spec["config"]
    B, L = spec["batch"], spec["text_len"]
    ins = {"timestep": np.asarray(spec["timestep"], dtype=np.float32)}
    meta_extra = {}
    if spec["family"] == "flux":
        rows, cols = spec["grid"]
        S = rows * cols
        ins["hidden_states"] = rng.standard_normal((B, S, cfg["in_channels"])).astype(np.float32)
        ins["encoder_hidden_states"] = rng.standard_normal((B, L, cfg["joint_attention_dim"])).astype(np.float32)
        ins["pooled_projections"] = rng.standard_normal((B, cfg["pooled_projection_dim"])).astype(np.float32)
        img_ids = np.zeros((S, 3), dtype=np.float32)
        img_ids[:, 0] = 2
        img_ids[:, 1] = np.repeat(np.arange(rows), cols)
        img_ids[:, 2] = np.tile(np.arange(cols), rows)
        ins["img_ids"] = img_ids
        ins["txt_ids"] = rng.integers(0, 4, size=(L, 3)).astype(np.float32)
        meta_extra["latent_grid"] = [rows, cols]
    else:
        f, h, w = spec["img_shapes"]
        S = f * h * w
        ins["hidden_states"] = rng.standard_normal((B, S, cfg["in_channels"])).astype(np.float32)
        ins["encoder_hidden_states"] = rng.standard_normal((B, L, cfg["joint_attention_dim"])).astype(np.float32)
        mask = np.zeros((B, L), dtype=np.int64)
        for b, n in enumerate(spec["valid_text"]):
            mask[b, :n] = 1
        ins["encoder_hidden_states_mask"] = mask
        meta_extra["img_shapes"] = [list(spec["img_shapes"])] * B
    return ins, meta_extra


def check_reference(shared, resources):
    """The reference against the diffusers goldens: every tensor's relative L2."""
    result = {}
    for sub, cls in (("flux", FluxModel), ("qwenimage", QwenImageModel)):
        d = os.path.join(shared, "golden", sub)
        if not os.path.isdir(d):
            d = os.path.join(resources, sub)
        model = cls.from_folder(d)
        io, _ = st.load(os.path.join(d, "io.safetensors"))
        with open(os.path.join(d, "meta.json")) as f:
            meta = json.load(f)
        out, acts = model.forward({k[3:]: v for k, v in io.items() if k.startswith("in.")}, meta)
        errors = {"out.sample": rel(out, io["out.sample"])}
        errors.update({k: rel(acts[k], io[k]) for k in sorted(acts)})
        assert set(acts) == {k for k in io if k.startswith("act.")}, sub
        assert max(errors.values()) < 1e-6, (sub, errors)
        result["golden/" + sub] = errors
        print(f"reference vs diffusers golden/{sub}: max rel {max(errors.values()):.2e}")
    return result


def make_variant(name, spec, out_root, validation):
    cfg = dict(spec["config"])
    rng = np.random.default_rng(spec["seed"])
    W = make_weights(spec["family"], cfg, rng)
    ins, meta_extra = make_inputs(name, spec, rng)
    cls = FluxModel if spec["family"] == "flux" else QwenImageModel
    class_name = "FluxTransformer2DModel" if spec["family"] == "flux" else "QwenImageTransformer2DModel"
    model = cls(cfg, W)
    out, acts = model.forward(ins, meta_extra)

    d = os.path.join(out_root, name)
    os.makedirs(d, exist_ok=True)
    conf = dict(cfg)
    conf["_class_name"] = class_name
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(conf, f, indent=1)
    st.save(os.path.join(d, "diffusion_pytorch_model.safetensors"), W, metadata={"format": "pt"})
    io = {"in." + k: v for k, v in ins.items()}
    io["out.sample"] = out.astype(np.float32)
    io.update({k: v.astype(np.float32) for k, v in acts.items()})
    st.save(os.path.join(d, "io.safetensors"), io)

    # the files alone must reproduce out.sample
    io2, _ = st.load(os.path.join(d, "io.safetensors"))
    re_out, _ = cls.from_folder(d).forward({k[3:]: v for k, v in io2.items() if k.startswith("in.")}, meta_extra)
    assert rel(re_out, io2["out.sample"]) < 1e-7

    # batch 2 is two batch-1 runs (the reference's own consistency)
    for b in range(spec["batch"]):
        one = {k: (v[b:b + 1] if k not in ("img_ids", "txt_ids") else v) for k, v in ins.items()}
        meta_one = dict(meta_extra)
        if "img_shapes" in meta_one:
            meta_one["img_shapes"] = meta_one["img_shapes"][:1]
        o1, _ = cls(cfg, W).forward(one, meta_one)
        assert rel(o1, out[b:b + 1]) < 1e-12, (name, b)

    meta = {
        "model": class_name,
        "variant": name,
        "dtype": "float32",
        "device": "cpu",
        "produced_by": "tools/reference/make_mmdit_golden.py: float64 NumPy reference (tools/reference/mmdit_np.py), "
                       "run on the float32 weights and inputs exactly as stored here; outputs rounded to float32. "
                       "NOT produced by PyTorch/diffusers.",
        "purpose": spec["purpose"],
        "seed": spec["seed"],
        "init": cfg,
        "inputs": sorted(ins),
        "block_lists": ["transformer_blocks"] + (["single_transformer_blocks"] if spec["family"] == "flux" else []),
        "activations": sorted(acts),
        "tensors": {k: {"shape": list(v.shape), "dtype": str(v.dtype)} for k, v in sorted(io.items())},
        "out_shape": list(out.shape),
        **meta_extra,
        "conventions": {
            "timestep": "sigma scale: FLUX multiplies timestep (and guidance) by 1000 before the sinusoid; Qwen-Image "
                        "scales inside it (Timesteps(scale=1000)); float32 arguments as diffusers computes them",
            "act.<list>.<i>.<k>": "k = 0 the text stream, 1 the image stream after block i (as diffusers' blocks return "
                                  "(encoder_hidden_states, hidden_states))",
        },
        "reference_validation": {
            "note": "relative L2 errors of the same NumPy reference against goldens produced by diffusers in float32 on CPU",
            **validation,
        },
    }
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    size = sum(os.path.getsize(os.path.join(d, x)) for x in os.listdir(d))
    print(f"{name}: {size / 1024:.0f} KiB, out {list(out.shape)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(REPO, "java/src/test/resources/golden"))
    ap.add_argument("--shared", default=os.environ.get("WAN_SHARED", "/work/shared"))
    a = ap.parse_args()
    validation = check_reference(a.shared, a.out)
    for name, spec in VARIANTS.items():
        make_variant(name, spec, a.out, validation)


if __name__ == "__main__":
    main()
