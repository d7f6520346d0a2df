#!/usr/bin/env python3
"""Validate the float64 STDiT3 reference and write golden variants for the Java port.

    python3 tools/reference/make_stdit3_golden.py [--out java/src/test/resources/golden] [--shared /work/shared]

1. Checks stdit3_np against Open-Sora's own goldens: shared/golden/opensora_stdit3 (output and every
   block) and the raw STDiT3 outputs of shared/golden/opensora_pipeline_tiny (batch 2B CFG call,
   text lengths 18 and 17, odd 4x5 latent, x_mask all true), falling back to the copies in test
   resources; and that a batch of two equals the two samples run alone.
2. Writes opensora_stdit3-variant and opensora_stdit3-masked in the layout of opensora_stdit3
   (config.json, model.safetensors, io.safetensors with in.* / out.sample / act.*, meta.json).
The reference runs on the float32 weights and inputs exactly as stored. Deterministic.
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
import stdit3_np  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))

VARIANTS = {
    "opensora_stdit3-variant": dict(
        seed=20260301,
        config=dict(hidden_size=48, depth=3, num_heads=3, patch_size=[1, 2, 2], in_channels=3, caption_channels=20,
                    model_max_length=7, mlp_ratio=2.5, pred_sigma=True, qk_norm=True, input_sq_size=256),
        x_shape=(2, 3, 5, 7, 9),
        timestep=[999.0, 250.5],
        fps=[24.0, 8.0],
        height=[56.0, 56.0],
        width=[72.0, 72.0],
        mask=[[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0, 0]],
        x_mask=None,
        purpose="batch 2 with different timesteps, fps and text lengths (7 and 3 valid tokens); 3 heads x 16, "
                "3 spatial + 3 temporal blocks, mlp_ratio 2.5; odd 7x9 latent padded to a 4x5 patch grid "
                "(non-square, S=20, base_size 4), 5 frames; pixel size 56x72 against input_sq_size 256",
    ),
    "opensora_stdit3-masked": dict(
        seed=20260302,
        config=dict(hidden_size=32, depth=2, num_heads=2, patch_size=[2, 2, 2], in_channels=4, caption_channels=12,
                    model_max_length=5, mlp_ratio=4.0, pred_sigma=False, qk_norm=False, input_sq_size=512),
        x_shape=(2, 4, 5, 6, 4),
        timestep=[700.0, 700.0],
        fps=[16.0],
        height=[48.0, 48.0],
        width=[32.0, 32.0],
        mask=[[1, 0, 1, 1, 0]],
        x_mask=[[False, True, True], [True, True, False]],
        purpose="Open-Sora's temporal mask x_mask (frames with t0 = timestep 0 modulation, final layer included); "
                "one mask row (non-prefix) and one fps value repeated to the batch; patch (2,2,2) with 5 frames "
                "padded to 3 latent frames; qk_norm false (no q_norm/k_norm tensors); pred_sigma false",
    ),
}


def rel(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def golden_dir(shared, name):
    p = os.path.join(shared, "golden", name)
    return p if os.path.isdir(p) else os.path.join(REPO, "java/src/test/resources/golden", name)


def validate(shared):
    out = {}
    d = golden_dir(shared, "opensora_stdit3")
    m = stdit3_np.STDiT3.from_folder(d)
    io, _ = st.load(os.path.join(d, "io.safetensors"))
    o, acts = m.forward(io["in.x"], io["in.timestep"], io["in.y"], io["in.mask"], io["in.fps"], io["in.height"], io["in.width"])
    out["opensora_stdit3"] = {"out.sample": rel(o, io["out.sample"]), **{k: rel(v, io[k]) for k, v in acts.items()}}

    d = golden_dir(shared, "opensora_pipeline_tiny")
    m = stdit3_np.STDiT3.from_folder(os.path.join(d, "transformer"))
    io, _ = st.load(os.path.join(d, "io.safetensors"))
    steps = {}
    for i in range(len(io["out.timesteps"])):
        z = io["in.noise"] if i == 0 else io[f"traj.{i - 1}"]
        t = np.full(2 * z.shape[0], io["out.timesteps"][i], np.float32)
        o, _ = m.forward(np.concatenate([z, z]), t, io["out.y"], io["out.mask"], io["out.model_args.fps"],
                         io["out.model_args.height"], io["out.model_args.width"], x_mask=io["out.x_mask"][i])
        steps[f"model_out.{i}"] = rel(o, io[f"model_out.{i}"])
    out["opensora_pipeline_tiny"] = steps

    # batch independence: each row of the 2B call equals that sample run alone (own mask row)
    z = io["in.noise"]
    x = np.concatenate([z, z])
    t = np.full(4, io["out.timesteps"][3], np.float32)
    args = (io["out.model_args.fps"], io["out.model_args.height"], io["out.model_args.width"])
    both, _ = m.forward(x, t, io["out.y"], io["out.mask"], *args)
    mask2 = np.concatenate([io["out.mask"], io["out.mask"]])
    worst = 0.0
    for b in range(4):
        one, _ = m.forward(x[b:b + 1], t[b:b + 1], io["out.y"][b:b + 1], mask2[b:b + 1], *[a[:1] for a in args])
        worst = max(worst, rel(one[0], both[b]))
    out["batch_rows_equal_single_runs"] = worst
    return out


def make_weights(cfg, rng):
    """Random float32 weights under STDiT3's state_dict names, scaled as Open-Sora's goldens are:
    matrices and tables N(0, 1/fan_in) (fan_in = one output row), 1-D norm weights 1 + 0.1 N,
    biases 0.1 N, y_embedding N(0, 1/caption_channels), rope.freqs as built. No tensor is zero."""
    D = cfg["hidden_size"]
    hd = D // cfg["num_heads"]
    pt, ph, pw = cfg["patch_size"]
    cin = cfg["in_channels"]
    cout = 2 * cin if cfg["pred_sigma"] else cin
    mh = int(D * cfg["mlp_ratio"])
    cc = cfg["caption_channels"]
    W = {}

    def lin(name, n_out, n_in, scale=1.0):
        W[name + ".weight"] = scale * rng.standard_normal((n_out, n_in)) / math.sqrt(n_in)
        W[name + ".bias"] = 0.1 * rng.standard_normal(n_out)

    W["x_embedder.proj.weight"] = rng.standard_normal((D, cin, pt, ph, pw)) / math.sqrt(cin * pt * ph * pw)
    W["x_embedder.proj.bias"] = 0.1 * rng.standard_normal(D)
    for e in ("t_embedder", "fps_embedder"):
        lin(e + ".mlp.0", D, 256)
        lin(e + ".mlp.2", D, D)
    lin("t_block.1", 6 * D, D)
    lin("y_embedder.y_proj.fc1", D, cc)
    lin("y_embedder.y_proj.fc2", D, D)
    W["y_embedder.y_embedding"] = rng.standard_normal((cfg["model_max_length"], cc)) / math.sqrt(cc)
    for kind in ("spatial_blocks", "temporal_blocks"):
        for i in range(cfg["depth"]):
            p = f"{kind}.{i}."
            lin(p + "attn.qkv", 3 * D, D)
            lin(p + "attn.proj", D, D)
            if cfg["qk_norm"]:
                W[p + "attn.q_norm.weight"] = 1.0 + 0.1 * rng.standard_normal(hd)
                W[p + "attn.k_norm.weight"] = 1.0 + 0.1 * rng.standard_normal(hd)
            lin(p + "cross_attn.q_linear", D, D)
            lin(p + "cross_attn.kv_linear", 2 * D, D)
            lin(p + "cross_attn.proj", D, D)
            lin(p + "mlp.fc1", mh, D)
            lin(p + "mlp.fc2", D, mh)
            W[p + "scale_shift_table"] = rng.standard_normal((6, D)) / math.sqrt(D)
    lin("final_layer.linear", pt * ph * pw * cout, D, 0.5)
    W["final_layer.scale_shift_table"] = rng.standard_normal((2, D)) / math.sqrt(D)
    W = {k: v.astype(np.float32) for k, v in W.items()}
    for k, v in W.items():
        assert np.all(v != 0), k
    W["rope.freqs"] = (1.0 / (10000.0 ** (np.arange(0, hd, 2)[: hd // 2].astype(np.float32) / hd))).astype(np.float32)
    return W


def make_variant(name, spec, out_root, validation):
    cfg = dict(spec["config"], _class_name="STDiT3", model_type="STDiT3", architectures=["STDiT3"])
    rng = np.random.default_rng(spec["seed"])
    W = make_weights(cfg, rng)
    B = spec["x_shape"][0]
    L = cfg["model_max_length"]
    inputs = {
        "x": rng.standard_normal(spec["x_shape"]).astype(np.float32),
        "timestep": np.asarray(spec["timestep"], np.float32),
        "y": rng.standard_normal((B, 1, L, cfg["caption_channels"])).astype(np.float32),
        "mask": np.asarray(spec["mask"], np.int64),
        "fps": np.asarray(spec["fps"], np.float32),
        "height": np.asarray(spec["height"], np.float32),
        "width": np.asarray(spec["width"], np.float32),
    }
    if spec["x_mask"] is not None:
        inputs["x_mask"] = np.asarray(spec["x_mask"], np.bool_)
    model = stdit3_np.STDiT3(cfg, W)
    out, acts = model.forward(inputs["x"], inputs["timestep"], inputs["y"], inputs["mask"], inputs["fps"],
                              inputs["height"], inputs["width"], x_mask=inputs.get("x_mask"))
    # the t0 path must matter where x_mask is false, or the variant would not test it
    if "x_mask" in inputs:
        plain, _ = model.forward(inputs["x"], inputs["timestep"], inputs["y"], inputs["mask"], inputs["fps"],
                                 inputs["height"], inputs["width"])
        x_mask_effect = rel(plain, out)
        assert x_mask_effect > 1e-2, x_mask_effect
    else:
        x_mask_effect = None
    d = os.path.join(out_root, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1, sort_keys=True)
        f.write("\n")
    st.save(os.path.join(d, "model.safetensors"), W)
    io = {"in." + k: v for k, v in inputs.items()}
    io["out.sample"] = out.astype(np.float32)
    for k, v in acts.items():
        io[k] = v.astype(np.float32)
    st.save(os.path.join(d, "io.safetensors"), io)
    meta = {
        "model": "STDiT3 (Open-Sora 1.2)",
        "made_by": "tools/reference/stdit3_np.py (float64 NumPy reference, outputs rounded to float32), not by PyTorch",
        "purpose": spec["purpose"],
        "init": spec["config"],
        "seed": spec["seed"],
        "inputs": {k: list(v.shape) for k, v in inputs.items()},
        "out_shape": list(out.shape),
        "activations": sorted(acts),
        "block_order": "spatial_blocks[i] then temporal_blocks[i], for i in 0..depth-1",
        "x_mask_effect_rel_l2": x_mask_effect,
        "reference_validation": validation,
    }
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")
    print(name, "out", list(out.shape), "x_mask effect", x_mask_effect)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(REPO, "java/src/test/resources/golden"))
    ap.add_argument("--shared", default=os.environ.get("OPENSORA_SHARED", "/work/shared"))
    a = ap.parse_args()
    validation = validate(a.shared)
    print(json.dumps(validation, indent=1))
    worst = max([v for k, v in validation["opensora_stdit3"].items()] + list(validation["opensora_pipeline_tiny"].values()))
    assert worst < 1e-5, worst
    assert validation["batch_rows_equal_single_runs"] < 1e-12
    for name, spec in VARIANTS.items():
        make_variant(name, spec, a.out, validation)


if __name__ == "__main__":
    main()
