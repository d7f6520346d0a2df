#!/usr/bin/env python3
"""Write new golden test folders for WanTransformer3DModel ports, produced by the float64 NumPy reference.

    python3 tools/reference/make_golden.py [--out java/src/test/resources/golden] [--shared /work/shared]

Writes, per variant, the layout of /work/shared/golden/wan:
    config.json                          diffusers config (_class_name WanTransformer3DModel)
    diffusion_pytorch_model.safetensors  float32 random weights (fixed seed), diffusers names
    io.safetensors                       in.hidden_states, in.encoder_hidden_states, in.timestep,
                                         out.sample, act.blocks.<i>   (all float32)
    meta.json                            description, shapes, validation numbers
and copies /work/shared/golden/{wan,wan_cached_loop} byte-for-byte next to them.
The reference is run on the float32-rounded weights and inputs exactly as stored, so a port reading
the files sees the same numbers. Deterministic: rerunning gives identical bytes.
"""
import argparse
import hashlib
import json
import math
import os
import shutil
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import safetensors_np as st  # noqa: E402
import wan_np  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))

CONFIG_KEYS = ["patch_size", "num_attention_heads", "attention_head_dim", "in_channels", "out_channels",
               "text_dim", "freq_dim", "ffn_dim", "num_layers", "cross_attn_norm", "qk_norm", "eps",
               "image_dim", "added_kv_proj_dim", "rope_max_seq_len", "pos_embed_seq_len"]

VARIANTS = {
    "wan-variant": dict(
        seed=20250101,
        config=dict(patch_size=[1, 2, 2], num_attention_heads=3, attention_head_dim=20, in_channels=5,
                    out_channels=6, text_dim=24, freq_dim=256, ffn_dim=96, num_layers=3, cross_attn_norm=True,
                    qk_norm="rms_norm_across_heads", eps=1e-06, image_dim=None, added_kv_proj_dim=None,
                    rope_max_seq_len=32, pos_embed_seq_len=None),
        hidden_shape=(2, 5, 4, 6, 10),
        text_len=9,
        timestep=[999.0, 250.5],
        purpose="batch 2 with a different timestep and text per sample; 3 heads x 20 (hd not a multiple "
                "of 6: rope axis widths t=8, h=6, w=6); in_channels != out_channels; non-square "
                "post-patch grid 4x3x5 (F x H x W); text length 9; 3 layers",
    ),
    "wan-patch-t2": dict(
        seed=20250202,
        config=dict(patch_size=[2, 2, 2], num_attention_heads=2, attention_head_dim=24, in_channels=4,
                    out_channels=4, text_dim=8, freq_dim=256, ffn_dim=40, num_layers=2, cross_attn_norm=False,
                    qk_norm="rms_norm_across_heads", eps=1e-06, image_dim=None, added_kv_proj_dim=None,
                    rope_max_seq_len=16, pos_embed_seq_len=None),
        hidden_shape=(1, 4, 4, 8, 6),
        text_len=5,
        timestep=[637.25],
        purpose="temporal patch 2 (patch (2,2,2)): patch embedding, rope frame index = frame // 2 and "
                "unpatchify with p_t=2; cross_attn_norm=false (norm2 is the identity: no blocks.*.norm2.* "
                "tensors); 2 heads x 24 (rope widths t=8, h=8, w=8); post-patch grid 2x4x3",
    ),
}


def make_weights(cfg, rng):
    """Random float32 weights with diffusers names; scales like /work/shared/golden/wan
    (matrices ~ N(0, 1/fan_in), biases ~ N(0, 0.1^2), norm weights ~ 1 + N(0, 0.1^2),
    modulation tables ~ N(0, 0.1^2)). No tensor is zero."""
    D = cfg["num_attention_heads"] * cfg["attention_head_dim"]
    pt, ph, pw = cfg["patch_size"]
    out_ch = cfg["out_channels"] or cfg["in_channels"]
    W = {}

    def lin(name, n_out, n_in):
        W[name + ".weight"] = rng.standard_normal((n_out, n_in)) / math.sqrt(n_in)
        W[name + ".bias"] = 0.1 * rng.standard_normal(n_out)

    def norm_w(name, n):
        W[name] = 1.0 + 0.1 * rng.standard_normal(n)

    fan = cfg["in_channels"] * pt * ph * pw
    W["patch_embedding.weight"] = rng.standard_normal((D, cfg["in_channels"], pt, ph, pw)) / math.sqrt(fan)
    W["patch_embedding.bias"] = 0.1 * rng.standard_normal(D)
    ce = "condition_embedder."
    lin(ce + "time_embedder.linear_1", D, cfg["freq_dim"])
    lin(ce + "time_embedder.linear_2", D, D)
    lin(ce + "time_proj", 6 * D, D)
    lin(ce + "text_embedder.linear_1", D, cfg["text_dim"])
    lin(ce + "text_embedder.linear_2", D, D)
    for i in range(cfg["num_layers"]):
        p = f"blocks.{i}."
        for a in ("attn1", "attn2"):
            for proj in ("to_q", "to_k", "to_v", "to_out.0"):
                lin(p + a + "." + proj, D, D)
            norm_w(p + a + ".norm_q.weight", D)
            norm_w(p + a + ".norm_k.weight", D)
        if cfg["cross_attn_norm"]:
            norm_w(p + "norm2.weight", D)
            W[p + "norm2.bias"] = 0.1 * rng.standard_normal(D)
        lin(p + "ffn.net.0.proj", cfg["ffn_dim"], D)
        lin(p + "ffn.net.2", D, cfg["ffn_dim"])
        W[p + "scale_shift_table"] = 0.1 * rng.standard_normal((1, 6, D))
    lin("proj_out", out_ch * pt * ph * pw, D)
    W["scale_shift_table"] = 0.12 * rng.standard_normal((1, 2, D))
    W = {k: v.astype(np.float32) for k, v in W.items()}
    for k, v in W.items():
        assert np.all(v != 0), k  # no zero entries, let alone zero tensors
    return W


def rel(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def load_validation():
    p = os.path.join(HERE, "validation.json")
    if os.path.isfile(p):
        with open(p) as f:
            return json.load(f)
    return None


def make_variant(name, spec, out_root, validation):
    cfg = dict(spec["config"])
    rng = np.random.default_rng(spec["seed"])
    W = make_weights(cfg, rng)
    B = spec["hidden_shape"][0]
    hs = rng.standard_normal(spec["hidden_shape"]).astype(np.float32)
    ehs = rng.standard_normal((B, spec["text_len"], cfg["text_dim"])).astype(np.float32)
    ts = np.asarray(spec["timestep"], dtype=np.float32)
    assert ts.shape == (B,)

    model = wan_np.WanModel(cfg, W)  # float64 compute on the float32-rounded weights
    out, acts = model.forward(hs, ts, ehs, return_acts=True)

    # how far other reasonable implementations land (for test tolerances)
    o32, a32 = wan_np.WanModel(cfg, W, dtype=np.float32).forward(hs, ts, ehs, return_acts=True)
    o64t = wan_np.WanModel(cfg, W, t_fp32_args=False).forward(hs, ts, ehs)
    othirds = wan_np.WanModel(cfg, W, rope_split="thirds").forward(hs, ts, ehs)

    d = os.path.join(out_root, name)
    os.makedirs(d, exist_ok=True)
    conf = {k: cfg[k] for k in CONFIG_KEYS}
    conf["_class_name"] = "WanTransformer3DModel"
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(conf, f, indent=1)
    st.save(os.path.join(d, "diffusion_pytorch_model.safetensors"), W, metadata={"format": "pt"})
    io = {"in.hidden_states": hs, "in.encoder_hidden_states": ehs, "in.timestep": ts,
          "out.sample": out.astype(np.float32)}
    for i, a in enumerate(acts):
        io[f"act.blocks.{i}"] = a.astype(np.float32)
    st.save(os.path.join(d, "io.safetensors"), io)

    # re-read what was written and recompute: the files alone must reproduce out.sample
    W2, _ = st.load(os.path.join(d, "diffusion_pytorch_model.safetensors"))
    io2, _ = st.load(os.path.join(d, "io.safetensors"))
    with open(os.path.join(d, "config.json")) as f:
        cfg2 = json.load(f)
    re_out = wan_np.WanModel.from_folder(d).forward(io2["in.hidden_states"], io2["in.timestep"],
                                                   io2["in.encoder_hidden_states"])
    assert cfg2 == conf and set(W2) == set(W)
    assert rel(re_out, io2["out.sample"]) < 1e-7, rel(re_out, io2["out.sample"])

    D = cfg["num_attention_heads"] * cfg["attention_head_dim"]
    pt, ph, pw = cfg["patch_size"]
    Bn, C, Fr, H, Wd = spec["hidden_shape"]
    grid = [Fr // pt, H // ph, Wd // pw]
    seq = grid[0] * grid[1] * grid[2]
    hd = cfg["attention_head_dim"]
    meta = {
        "model": "WanTransformer3DModel",
        "variant": name,
        "dtype": "float32",
        "device": "cpu",
        "produced_by": "tools/reference/make_golden.py: float64 NumPy reference (tools/reference/wan_np.py), "
                       "run on the float32 weights and inputs exactly as stored here; outputs rounded to "
                       "float32. NOT produced by PyTorch/diffusers.",
        "purpose": spec["purpose"],
        "seed": spec["seed"],
        "init": {k: v for k, v in cfg.items() if v is not None},
        "inner_dim": D,
        "post_patch_grid_fhw": grid,
        "seq_len": seq,
        "rope_axis_widths_thw": list(wan_np.rope_axis_dims(hd)),
        "rope_split_sizes": wan_np.rope_split_sizes(hd, "build"),
        "inputs": ["encoder_hidden_states", "hidden_states", "timestep"],
        "block_lists": ["blocks"],
        "activations": [f"act.blocks.{i}" for i in range(cfg["num_layers"])],
        "tensors": {k: {"shape": list(v.shape), "dtype": "float32"} for k, v in sorted(io.items())},
        "in_shape": list(spec["hidden_shape"]),
        "out_shape": list(out.shape),
        "timestep": spec["timestep"],
        "weights": "random, fixed seed: matrices N(0,1/fan_in), biases N(0,0.01), norm weights 1+N(0,0.01), "
                   "blocks.*.scale_shift_table N(0,0.01), scale_shift_table N(0,0.0144); inputs N(0,1)",
        "conventions": {
            "timestep_embedding": "flip_sin_to_cos=True (cos first), downscale_freq_shift=0; freq_j = "
                                  "f32(exp(f32(-ln(1e4)*j)/half)), arg = f32(f32(t)*freq_j), cos/sin in float64 "
                                  "(mimics diffusers' float32 arithmetic)",
            "rope": "tables built per axis with widths [hd-4*(hd//6), 2*(hd//6), 2*(hd//6)] and split with the "
                    "same widths (diffusers b6bd8f1); pairs are interleaved (x[2i], x[2i+1])",
            "act.blocks.i": "hidden states (B, seq, inner_dim) after block i, tokens ordered (f, h, w)",
        },
        "expected_error_of_other_implementations": {
            "same_code_in_float32": {"out.sample": rel(o32, out),
                                     **{f"act.blocks.{i}": rel(a, b) for i, (a, b) in enumerate(zip(a32, acts))}},
            "float64_timestep_arguments": {"out.sample": rel(o64t, out)},
            "rope_split_thirds_[hd-2(hd//3),hd//3,hd//3]": {"out.sample": rel(othirds, out)},
            "note": "a float32 port should land at about the first number; the timestep embedding is very "
                    "sensitive (t up to 1000), so use a tolerance of ~1e-5 relative L2",
        },
    }
    if validation is not None:
        meta["reference_validation"] = {
            "note": "relative L2 errors of the same NumPy reference against goldens produced by diffusers "
                    "WanTransformer3DModel in float32 on CPU (tools/reference/check_golden.py)",
            "golden/wan": validation.get("wan"),
            "golden/wan_cached_loop": validation.get("wan_cached_loop"),
            "shapes-wan-t2v": validation.get("shapes-wan-t2v"),
        }
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    size = sum(os.path.getsize(os.path.join(d, x)) for x in os.listdir(d))
    print(f"{name}: {size / 1024:.0f} KiB, out {list(out.shape)}, float32-code rel {rel(o32, out):.2e}, "
          f"f64-t-args rel {rel(o64t, out):.2e}, thirds-split rel {rel(othirds, out):.2e}")
    for k, v in sorted(io.items()):
        print(f"   {k:24s} {list(v.shape)}  std {float(np.std(v)):.3f}")


def copy_golden(shared, out_root):
    for sub in ("wan", "wan_cached_loop"):
        src = os.path.join(shared, "golden", sub)
        dst = os.path.join(out_root, sub)
        if not os.path.isdir(src):
            print(f"{src} missing: not copied")
            continue
        os.makedirs(dst, exist_ok=True)
        for fn in sorted(os.listdir(src)):
            shutil.copyfile(os.path.join(src, fn), os.path.join(dst, fn))
            assert sha256(os.path.join(src, fn)) == sha256(os.path.join(dst, fn))
        print(f"copied {src} -> {dst}: {sorted(os.listdir(dst))}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(REPO, "java/src/test/resources/golden"))
    ap.add_argument("--shared", default=os.environ.get("WAN_SHARED", "/work/shared"))
    ap.add_argument("--only", nargs="*", help="variant names (default: all)")
    a = ap.parse_args()
    validation = load_validation()
    for name, spec in VARIANTS.items():
        if a.only and name not in a.only:
            continue
        make_variant(name, spec, a.out, validation)
    if not a.only:
        copy_golden(a.shared, a.out)


if __name__ == "__main__":
    main()
