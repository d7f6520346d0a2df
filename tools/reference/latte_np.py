"""Independent float64 NumPy reference of diffusers' LatteTransformer3DModel forward
(ada_norm_single BasicTransformerBlocks, enable_temporal_attentions=True, no encoder_attention_mask),
written from a reading of latte_transformer_3d.py, attention.py (BasicTransformerBlock),
embeddings.py (PatchEmbed, get_2d_sincos_pos_embed, get_1d_sincos_pos_embed_from_grid,
PixArtAlphaTextProjection, PixArtAlphaCombinedTimestepSizeEmbeddings) and normalization.py
(AdaLayerNormSingle).

    model = LatteModel.from_folder(dir)
    out, acts = model.forward(hidden_states (B,C,F,H,W), timestep (B,), encoder_hidden_states (B,L,Dc))
    # acts: dict "transformer_blocks.i" -> (B*F, N, D), "temporal_transformer_blocks.i" -> (B*N, F, D)

It does not fold frames into the batch: spatial blocks run per (sample, frame) and temporal blocks per
(sample, patch) in explicit loops over a (B, F, N, D) array; the folded layouts are produced only to
record activations.
"""
import json
import math
import os

import numpy as np

try:
    from . import safetensors_np as st  # type: ignore
    from .wan_np import gelu_tanh, layer_norm, linear, silu, softmax, timestep_embedding  # type: ignore
except ImportError:
    import safetensors_np as st  # type: ignore
    from wan_np import gelu_tanh, layer_norm, linear, silu, softmax, timestep_embedding  # type: ignore

F64 = np.float64


def sincos_1d(dim, pos):
    omega = np.arange(dim // 2, dtype=F64) / (dim / 2.0)
    omega = 1.0 / 10000 ** omega
    out = np.asarray(pos, dtype=F64).reshape(-1)[:, None] * omega[None, :]
    return np.concatenate([np.sin(out), np.cos(out)], 1)


def sincos_2d(dim, rows, columns, base, interpolation):
    """get_2d_sincos_pos_embed: coordinates rounded to float32 as torch makes them; first half of
    the channels from the column coordinate, second half from the row coordinate; tokens row-major."""
    r = (np.arange(rows, dtype=np.float32) / np.float32(rows / base) / np.float32(interpolation)).astype(np.float32)
    c = (np.arange(columns, dtype=np.float32) / np.float32(columns / base) / np.float32(interpolation)).astype(np.float32)
    col_of = np.broadcast_to(c[None, :], (rows, columns))
    row_of = np.broadcast_to(r[:, None], (rows, columns))
    return np.concatenate([sincos_1d(dim // 2, col_of), sincos_1d(dim // 2, row_of)], 1)


def activation(name, x):
    if name == "gelu-approximate":
        return gelu_tanh(x)
    if name == "geglu":
        value, gate = np.split(x, 2, axis=-1)
        from math import erf
        g = 0.5 * gate * (1.0 + np.vectorize(erf)(gate / math.sqrt(2.0)))
        return value * g
    if name == "gelu":
        from math import erf
        return 0.5 * x * (1.0 + np.vectorize(erf)(x / math.sqrt(2.0)))
    raise ValueError(name)


class LatteModel:
    def __init__(self, config, weights):
        self.c = config
        self.w = {k: np.asarray(v, dtype=F64) for k, v in weights.items()}
        self.heads = config["num_attention_heads"]
        self.hd = config["attention_head_dim"]
        self.dim = self.heads * self.hd
        self.eps = config.get("norm_eps", 1e-5)

    @classmethod
    def from_folder(cls, folder):
        with open(os.path.join(folder, "config.json")) as f:
            cfg = json.load(f)
        w, _ = st.load(os.path.join(folder, "diffusion_pytorch_model.safetensors"))
        return cls(cfg, w)

    def lin(self, x, name):
        return linear(x, self.w[name + ".weight"], self.w.get(name + ".bias"))

    def attend(self, pre, x, ctx):
        """x (S, D), ctx (Lk, Dk): one sequence."""
        q = self.lin(x, pre + "to_q").reshape(-1, self.heads, self.hd).transpose(1, 0, 2)
        k = self.lin(ctx, pre + "to_k").reshape(-1, self.heads, self.hd).transpose(1, 0, 2)
        v = self.lin(ctx, pre + "to_v").reshape(-1, self.heads, self.hd).transpose(1, 0, 2)
        a = softmax(q @ k.transpose(0, 2, 1) / math.sqrt(self.hd)) @ v
        return self.lin(a.transpose(1, 0, 2).reshape(x.shape[0], self.dim), pre + "to_out.0")

    def block(self, p, x, t6, ctx):
        """One sequence x (S, D) of a BasicTransformerBlock(norm_type=ada_norm_single); t6 (6, D)."""
        m = self.w[p + "scale_shift_table"] + t6
        shift, scale, gate, shift2, scale2, gate2 = m
        n = layer_norm(x, self.eps, self.w.get(p + "norm1.weight"), self.w.get(p + "norm1.bias")) * (1 + scale) + shift
        x = x + gate * self.attend(p + "attn1.", n, n)
        if ctx is not None and (p + "attn2.to_q.weight") in self.w:
            x = x + self.attend(p + "attn2.", x, ctx)
        n = layer_norm(x, self.eps, self.w.get(p + "norm2.weight"), self.w.get(p + "norm2.bias")) * (1 + scale2) + shift2
        ff = self.lin(activation(self.c.get("activation_fn", "geglu"), self.lin(n, p + "ff.net.0.proj")), p + "ff.net.2")
        return x + gate2 * ff

    def forward(self, hidden_states, timestep, encoder_hidden_states, return_acts=False):
        c = self.c
        x = np.asarray(hidden_states, dtype=F64)
        B, C, F, H, W = x.shape
        p = c["patch_size"]
        gh, gw = H // p, W // p
        N = gh * gw
        D = self.dim
        # Conv2d with kernel = stride = p, written as a matrix product over (c, kh, kw) patches.
        patches = x.transpose(0, 2, 1, 3, 4).reshape(B, F, C, gh, p, gw, p).transpose(0, 1, 3, 5, 2, 4, 6).reshape(B, F, N, C * p * p)
        h = patches @ self.w["pos_embed.proj.weight"].reshape(D, -1).T + self.w["pos_embed.proj.bias"]
        base = c["sample_size"] // p
        h = h + sincos_2d(D, gh, gw, base, max(c["sample_size"] // 64, 1))[None, None]
        t = np.asarray(timestep).reshape(-1)
        if t.shape[0] == 1 and B > 1:
            t = np.repeat(t, B)
        e = timestep_embedding(t, 256)
        emb = self.lin(silu(self.lin(e, "adaln_single.emb.timestep_embedder.linear_1")), "adaln_single.emb.timestep_embedder.linear_2")
        t6 = self.lin(silu(emb), "adaln_single.linear").reshape(B, 6, D)
        cap = self.lin(gelu_tanh(self.lin(np.asarray(encoder_hidden_states, dtype=F64), "caption_projection.linear_1")), "caption_projection.linear_2")
        temporal_pos = sincos_1d(D, np.arange(c.get("video_length", 16)))
        acts = {}
        for i in range(c.get("num_layers", 1)):
            p_s = f"transformer_blocks.{i}."
            h = np.stack([np.stack([self.block(p_s, h[b, f], t6[b], cap[b]) for f in range(F)]) for b in range(B)])
            acts[f"transformer_blocks.{i}"] = h.reshape(B * F, N, D)
            if i == 0 and F > 1:
                h = h + temporal_pos[None, :, None, :]
            p_t = f"temporal_transformer_blocks.{i}."
            per_patch = np.stack([np.stack([self.block(p_t, h[b, :, n], t6[b], None) for n in range(N)]) for b in range(B)])  # (B, N, F, D)
            acts[f"temporal_transformer_blocks.{i}"] = per_patch.reshape(B * N, F, D)
            h = per_patch.transpose(0, 2, 1, 3)
        table = self.w["scale_shift_table"]
        shift = (table[0] + emb)[:, None, None]
        scale = (table[1] + emb)[:, None, None]
        h = layer_norm(h, 1e-6) * (1 + scale) + shift
        h = self.lin(h, "proj_out")  # (B, F, N, p*p*Co)
        out = h.reshape(B, F, gh, gw, p, p, -1).transpose(0, 6, 1, 2, 4, 3, 5).reshape(B, -1, F, gh * p, gw * p)
        return (out, acts) if return_acts else out
