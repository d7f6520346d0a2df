#!/usr/bin/env python3
"""Write golden test folders for the CogVideoX 1.5 and Latte ports, produced by the float64 NumPy
references (cogvideox_np.py, latte_np.py), after checking both against diffusers' goldens.

    python3 tools/reference/make_video3d_golden.py [--out java/src/test/resources/golden] [--shared /work/shared]

Each folder has the layout of /work/shared/golden/{cogvideox15,latte}: config.json, float32 random
weights under diffusers' names, io.safetensors (in.*, out.sample, act.<block list>.<i>[.<k>]) and
meta.json. The CogVideoX variants give no rope tables: the port must compute them. Deterministic.
"""
import argparse
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cogvideox_np  # noqa: E402
import latte_np  # noqa: E402
import safetensors_np as st  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))

COG_BASE = {"flip_sin_to_cos": True, "freq_shift": 0, "ofs_embed_dim": None, "dropout": 0.0, "max_text_seq_length": 226,
            "activation_fn": "gelu-approximate", "timestep_activation_fn": "silu", "norm_eps": 1e-05,
            "spatial_interpolation_scale": 1.875, "temporal_interpolation_scale": 1.0, "temporal_compression_ratio": 4,
            "use_rotary_positional_embeddings": True, "use_learned_positional_embeddings": False, "patch_bias": True,
            "sample_frames": 49, "_class_name": "CogVideoXTransformer3DModel"}

VARIANTS = {
    "cogvideox15-variant": dict(
        family="cogvideox", seed=20260801,
        config=dict(num_attention_heads=3, attention_head_dim=16, in_channels=5, out_channels=6, time_embed_dim=12,
                    text_embed_dim=10, num_layers=2, attention_bias=True, sample_width=16, sample_height=12, patch_size=2,
                    patch_size_t=2, norm_elementwise_affine=True),
        hidden_shape=(2, 6, 5, 8, 12), text_len=7, timestep=[999, 250],
        purpose="batch 2 with its own timestep and text per sample; 6 latent frames (3 temporal patches); non-square "
                "grid 4 x 6 inside a 6 x 8 rotary table (sample_height 12, sample_width 16); 3 heads; in 5 / out 6 "
                "channels; rotary tables NOT given (the port computes them)"),
    "cogvideox15-frames": dict(
        family="cogvideox", seed=20260802,
        config=dict(num_attention_heads=2, attention_head_dim=32, in_channels=4, out_channels=4, time_embed_dim=8,
                    text_embed_dim=6, num_layers=2, attention_bias=False, sample_width=6, sample_height=10, patch_size=2,
                    patch_size_t=2, norm_elementwise_affine=False),
        hidden_shape=(1, 2, 4, 10, 6), text_len=4, timestep=[437.5],
        purpose="one temporal patch (2 latent frames); tall grid 5 x 3 filling the whole rotary table; head_dim 32 (axes "
                "8, 12, 12); attention_bias false (no q/k/v biases); norm_elementwise_affine false (no norm weights); "
                "a fractional timestep"),
    "latte-variant": dict(
        family="latte", seed=20260803,
        config=dict(num_attention_heads=2, attention_head_dim=8, in_channels=3, out_channels=6, num_layers=2,
                    cross_attention_dim=16, attention_bias=True, sample_size=128, patch_size=2, activation_fn="geglu",
                    num_embeds_ada_norm=1000, norm_type="ada_norm_single", norm_elementwise_affine=True, norm_eps=1e-06,
                    caption_channels=10, video_length=3),
        hidden_shape=(2, 3, 3, 8, 12), text_len=6, timestep=[875, 125],
        purpose="batch 2 with its own timestep and caption; 3 frames (video_length 3); non-square 4 x 6 grid that is not "
                "the config's 64 x 64 (sample_size 128: base_size 64, interpolation_scale 2, the table made on the fly); "
                "geglu feed-forward; affine norm1/norm2; learned sigma (out 6 = 2 x in 3)"),
    "latte-frames": dict(
        family="latte", seed=20260804,
        config=dict(num_attention_heads=1, attention_head_dim=12, in_channels=4, out_channels=4, num_layers=1,
                    cross_attention_dim=None, attention_bias=False, sample_size=8, patch_size=2,
                    activation_fn="gelu-approximate", num_embeds_ada_norm=1000, norm_type="ada_norm_single",
                    norm_elementwise_affine=False, norm_eps=1e-06, caption_channels=5, video_length=4),
        hidden_shape=(1, 4, 1, 8, 8), text_len=3, timestep=[500],
        purpose="a single frame (no temporal positions; temporal blocks attend over one frame); no cross-attention "
                "(cross_attention_dim null: no attn2); attention_bias false; one layer, one head of 12"),
}


def lin(W, rng, name, n_out, n_in, bias=True):
    W[name + ".weight"] = rng.standard_normal((n_out, n_in)) / math.sqrt(n_in)
    if bias:
        W[name + ".bias"] = 0.1 * rng.standard_normal(n_out)


def norm(W, rng, name, n):
    W[name + ".weight"] = 1.0 + 0.1 * rng.standard_normal(n)
    W[name + ".bias"] = 0.1 * rng.standard_normal(n)


def cog_weights(c, rng):
    D = c["num_attention_heads"] * c["attention_head_dim"]
    hd = c["attention_head_dim"]
    te = c["time_embed_dim"]
    pf = c["in_channels"] * c["patch_size_t"] * c["patch_size"] ** 2
    W = {}
    lin(W, rng, "patch_embed.proj", D, pf)
    lin(W, rng, "patch_embed.text_proj", D, c["text_embed_dim"])
    lin(W, rng, "time_embedding.linear_1", te, D)
    lin(W, rng, "time_embedding.linear_2", te, te)
    for i in range(c["num_layers"]):
        p = f"transformer_blocks.{i}."
        for n in ("norm1", "norm2"):
            lin(W, rng, p + n + ".linear", 6 * D, te)
            if c["norm_elementwise_affine"]:
                norm(W, rng, p + n + ".norm", D)
        for proj in ("to_q", "to_k", "to_v"):
            lin(W, rng, p + "attn1." + proj, D, D, c["attention_bias"])
        lin(W, rng, p + "attn1.to_out.0", D, D)
        norm(W, rng, p + "attn1.norm_q", hd)
        norm(W, rng, p + "attn1.norm_k", hd)
        lin(W, rng, p + "ff.net.0.proj", 4 * D, D)
        lin(W, rng, p + "ff.net.2", D, 4 * D)
    if c["norm_elementwise_affine"]:
        norm(W, rng, "norm_final", D)
        norm(W, rng, "norm_out.norm", D)
    lin(W, rng, "norm_out.linear", 2 * D, te)
    lin(W, rng, "proj_out", c["out_channels"] * c["patch_size_t"] * c["patch_size"] ** 2, D)
    return W


def latte_weights(c, rng):
    D = c["num_attention_heads"] * c["attention_head_dim"]
    p = c["patch_size"]
    W = {}
    W["pos_embed.proj.weight"] = rng.standard_normal((D, c["in_channels"], p, p)) / math.sqrt(c["in_channels"] * p * p)
    W["pos_embed.proj.bias"] = 0.1 * rng.standard_normal(D)
    lin(W, rng, "adaln_single.emb.timestep_embedder.linear_1", D, 256)
    lin(W, rng, "adaln_single.emb.timestep_embedder.linear_2", D, D)
    lin(W, rng, "adaln_single.linear", 6 * D, D)
    lin(W, rng, "caption_projection.linear_1", D, c["caption_channels"])
    lin(W, rng, "caption_projection.linear_2", D, D)
    ff_in = 8 * D if c["activation_fn"] == "geglu" else 4 * D
    for lst in ("transformer_blocks", "temporal_transformer_blocks"):
        for i in range(c["num_layers"]):
            q = f"{lst}.{i}."
            attns = ["attn1"] + (["attn2"] if lst == "transformer_blocks" and c["cross_attention_dim"] else [])
            for a in attns:
                for proj in ("to_q", "to_k", "to_v"):
                    lin(W, rng, q + a + "." + proj, D, D, c["attention_bias"])
                lin(W, rng, q + a + ".to_out.0", D, D)
            if c["norm_elementwise_affine"]:
                norm(W, rng, q + "norm1", D)
                norm(W, rng, q + "norm2", D)
            lin(W, rng, q + "ff.net.0.proj", ff_in, D)
            lin(W, rng, q + "ff.net.2", D, 4 * D)
            W[q + "scale_shift_table"] = rng.standard_normal((6, D)) / math.sqrt(D)
    W["scale_shift_table"] = rng.standard_normal((2, D)) / math.sqrt(D)
    lin(W, rng, "proj_out", p * p * c["out_channels"], D)
    return W


def rel(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def validate(shared):
    """The references against diffusers' own goldens (relative L2)."""
    out = {}
    g = os.path.join(shared, "golden")
    io, _ = st.load(os.path.join(g, "cogvideox15", "io.safetensors"))
    m = cogvideox_np.CogVideoXModel.from_folder(os.path.join(g, "cogvideox15"))
    o, acts = m.forward(io["in.hidden_states"], io["in.timestep"], io["in.encoder_hidden_states"], return_acts=True)
    out["cogvideox15"] = {"out.sample": rel(o, io["out.sample"])}
    for i, (v, t) in enumerate(acts):
        out["cogvideox15"][f"act.transformer_blocks.{i}.0"] = rel(v, io[f"act.transformer_blocks.{i}.0"])
        out["cogvideox15"][f"act.transformer_blocks.{i}.1"] = rel(t, io[f"act.transformer_blocks.{i}.1"])
    cos, sin = cogvideox_np.rope_tables(m.hd, 2, 4, 4)
    out["cogvideox15"]["rope_cos (float64 formula)"] = rel(cos, io["in.rope_cos"])
    out["cogvideox15"]["rope_sin (float64 formula)"] = rel(sin, io["in.rope_sin"])
    io, _ = st.load(os.path.join(g, "latte", "io.safetensors"))
    m = latte_np.LatteModel.from_folder(os.path.join(g, "latte"))
    o, acts = m.forward(io["in.hidden_states"], io["in.timestep"], io["in.encoder_hidden_states"], return_acts=True)
    out["latte"] = {"out.sample": rel(o, io["out.sample"])}
    out["latte"].update({"act." + k: rel(v, io["act." + k]) for k, v in acts.items()})
    for name, errs in out.items():
        worst = max(errs.values())
        assert worst < 2e-6, (name, errs)
    return out


def make(name, spec, root, validation):
    c = dict(spec["config"])
    rng = np.random.default_rng(spec["seed"])
    cog = spec["family"] == "cogvideox"
    W = {k: v.astype(np.float32) for k, v in (cog_weights(c, rng) if cog else latte_weights(c, rng)).items()}
    for k, v in W.items():
        assert np.all(v != 0), k
    B = spec["hidden_shape"][0]
    hs = rng.standard_normal(spec["hidden_shape"]).astype(np.float32)
    text_dim = c["text_embed_dim"] if cog else c["caption_channels"]
    ehs = rng.standard_normal((B, spec["text_len"], text_dim)).astype(np.float32)
    ts = np.asarray(spec["timestep"], dtype=np.float32 if any(t != int(t) for t in spec["timestep"]) else np.int64)
    config = dict(COG_BASE, **c) if cog else dict(c, dropout=0.0, _class_name="LatteTransformer3DModel")
    model = cogvideox_np.CogVideoXModel(config, W) if cog else latte_np.LatteModel(config, W)
    out, acts = model.forward(hs, ts, ehs, return_acts=True)
    io = {"in.hidden_states": hs, "in.encoder_hidden_states": ehs, "in.timestep": ts, "out.sample": out.astype(np.float32)}
    if cog:
        for i, (v, t) in enumerate(acts):
            io[f"act.transformer_blocks.{i}.0"] = v.astype(np.float32)
            io[f"act.transformer_blocks.{i}.1"] = t.astype(np.float32)
    else:
        io.update({"act." + k: v.astype(np.float32) for k, v in acts.items()})
    d = os.path.join(root, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(dict(sorted(config.items())), f, indent=1)
    st.save(os.path.join(d, "diffusion_pytorch_model.safetensors"), W, metadata={"format": "pt"})
    st.save(os.path.join(d, "io.safetensors"), io)
    # the files alone reproduce the output
    again = (cogvideox_np.CogVideoXModel if cog else latte_np.LatteModel).from_folder(d)
    io2, _ = st.load(os.path.join(d, "io.safetensors"))
    assert rel(again.forward(io2["in.hidden_states"], io2["in.timestep"], io2["in.encoder_hidden_states"]), io2["out.sample"]) < 1e-7
    meta = {
        "model": config["_class_name"],
        "variant": name,
        "dtype": "float32",
        "device": "cpu",
        "produced_by": "tools/reference/make_video3d_golden.py: float64 NumPy reference (tools/reference/"
                       + ("cogvideox_np.py" if cog else "latte_np.py") + ") on the float32 weights and inputs as stored; "
                       "outputs rounded to float32. NOT produced by PyTorch/diffusers.",
        "purpose": spec["purpose"],
        "seed": spec["seed"],
        "init": {k: v for k, v in c.items() if v is not None},
        "inputs": ["encoder_hidden_states", "hidden_states", "timestep"],
        "block_lists": ["transformer_blocks"] if cog else ["transformer_blocks", "temporal_transformer_blocks"],
        "activations": sorted(k for k in io if k.startswith("act.")),
        "tensors": {k: {"shape": list(v.shape), "dtype": str(v.dtype)} for k, v in sorted(io.items())},
        "reference_vs_diffusers_goldens_relL2": validation,
    }
    if cog:
        meta["note"] = "no rope_cos / rope_sin inputs: the port computes the pipeline's tables (grid_type slice) itself"
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print(name, "out.sample std", float(out.std()))


def extract_cached_steps(shared, root):
    """The transformer calls of diffusers' cached pipeline runs (cogvideox_pipeline_tiny, latte_pipeline_tiny),
    copied unchanged: the inputs of every step (latents of the cached trajectory, the 2B prompt embeddings,
    the timesteps, CogVideoX's rotary tables), the raw 2B outputs and the residuals stored at computed steps."""
    import shutil
    for pipeline, name in (("cogvideox_pipeline_tiny", "cogvideox15_cached_steps"), ("latte_pipeline_tiny", "latte_cached_steps")):
        src = os.path.join(shared, "golden", pipeline)
        with open(os.path.join(src, "meta.json")) as f:
            pmeta = json.load(f)
        io, _ = st.load(os.path.join(src, "io.safetensors"))
        steps = len(io["out.timesteps"])
        keep = ["in.noise", "out.prompt_embeds", "out.timesteps", "out.rope_cos", "out.rope_sin"]
        keep += [f"traj_cached.{i}" for i in range(steps - 1)] + [f"act.noise_pred_raw_cached.{i}" for i in range(steps)]
        keep += sorted(k for k in io if k.startswith("act.cache_residual."))
        keep += ["out.latents", "out.latents_cached", "out.guidance_scale"]
        d = os.path.join(root, name)
        os.makedirs(d, exist_ok=True)
        for fname in ("config.json", "diffusion_pytorch_model.safetensors"):
            shutil.copyfile(os.path.join(src, "transformer", fname), os.path.join(d, fname))
        shutil.copyfile(os.path.join(src, "scheduler", "scheduler_config.json"), os.path.join(d, "scheduler_config.json"))
        st.save(os.path.join(d, "io.safetensors"), {k: io[k] for k in keep if k in io})
        meta = {
            "what": f"the transformer calls of /work/shared/golden/{pipeline} (diffusers' own pipeline, float32 CPU), cut out "
                    "by tools/reference/make_video3d_golden.py: tensors copied unchanged, transformer/ copied as is",
            "cache": pmeta["cache"],
            "step_inputs": "step i: hidden_states = cat([x, x]) with x = in.noise (i = 0) else traj_cached.<i-1>; "
                           "encoder_hidden_states = out.prompt_embeds (uncond first); timestep = out.timesteps[i] for all 2B"
                           + ("; image_rotary_emb = (out.rope_cos, out.rope_sin)" if "cogvideox" in pipeline else ""),
            "io": {k: v for k, v in pmeta["io"].items() if any(n in k for n in ("noise_pred_raw", "cache_residual", "traj", "prompt_embeds", "rope", "timesteps", "in.noise"))},
            "call": pmeta["call"],
            "sampling": "scheduler_config.json is the pipeline folder's scheduler/; out.latents (full) and out.latents_cached "
                        "(schedule in cache.schedule) are the final latents of the two runs"
                        + ("; out.guidance_scale the dynamic CFG scale of each step (float64)" if "cogvideox" in pipeline else ""),
            "tolerance": pmeta["tolerance"],
        }
        with open(os.path.join(d, "meta.json"), "w") as f:
            json.dump(meta, f, indent=1)
            f.write("\n")
        print(name, sorted(keep))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(REPO, "java", "src", "test", "resources", "golden"))
    ap.add_argument("--shared", default=os.environ.get("VIDEO3D_SHARED", "/work/shared"))
    args = ap.parse_args()
    validation = validate(args.shared)
    print(json.dumps(validation, indent=1))
    for name, spec in VARIANTS.items():
        make(name, spec, args.out, validation)
    extract_cached_steps(args.shared, args.out)


if __name__ == "__main__":
    main()
