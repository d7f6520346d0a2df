"""Independent float64 NumPy reference of Open-Sora 1.2's STDiT3 forward (hpcaitech/Open-Sora v1.2.0).

Written from a reading of opensora/models/stdit/stdit3.py, opensora/models/layers/blocks.py and
rotary_embedding_torch 0.5.3 (RotaryEmbedding(dim=head_dim).rotate_queries_or_keys); inference path
(no dropout, no token drop, no sequence parallelism).

Usage:
    model = STDiT3.from_folder("dir with config.json + model.safetensors")
    out, acts = model.forward(x, timestep, y, mask, fps, height, width, x_mask=None)
    # acts: {"act.spatial_blocks.<i>": ..., "act.temporal_blocks.<i>": ...}

Everything is float64, except the few places where the reference's float32 rounding of an
argument is large against the result and is reproduced (README): the timestep / fps sinusoid
arguments, the 2-D position-embedding grid and its sin/cos arguments, the rotary angles.
"""
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from folder_model_np import FolderModel  # noqa: E402
from wan_np import gelu_tanh, layer_norm, linear, rms_norm, silu, softmax, timestep_embedding  # noqa: E402

F64 = np.float64
F32 = np.float32
EPS = 1e-6


def t2i_modulate(x, shift, scale):
    return x * (1.0 + scale) + shift


def mlp(x, w, prefix, act):
    """timm Mlp / TimestepEmbedder MLP: fc1 -> act -> fc2 (names given by prefix pair)."""
    a, b = prefix
    return linear(act(linear(x, w[a + ".weight"], w[a + ".bias"])), w[b + ".weight"], w[b + ".bias"])


def pos_embed_2d(dim, h, w, scale, base_size):
    """PositionEmbedding2D._get_cached_emb: (h*w, dim) = [sin|cos](column grid), [sin|cos](row grid).

    The grid is arange(n) / scale * (base_size / n) in float32 (torch int tensor / python float,
    then *= python float), the angles grid * inv_freq in float32; sin/cos in float64.
    meshgrid(grid_w, grid_h, 'ij') then .t() makes the FIRST half the column coordinate.
    """
    half = dim // 2
    # 1 / 10000 ** (arange / half): torch pow(scalar, float32 tensor), rounded to float32 at each op
    inv_freq = (1.0 / np.power(10000.0, (np.arange(0, half, 2).astype(F32) / F32(half)).astype(F64)).astype(F32)).astype(F32)
    grid_h = (np.arange(h).astype(F32) / F32(scale)).astype(F32)
    grid_w = (np.arange(w).astype(F32) / F32(scale)).astype(F32)
    grid_h = (grid_h * F32(base_size / h)).astype(F32)
    grid_w = (grid_w * F32(base_size / w)).astype(F32)
    cols = np.tile(grid_w[None, :], (h, 1)).reshape(-1)  # token r*w + c -> grid_w[c]
    rows = np.tile(grid_h[:, None], (1, w)).reshape(-1)  # token r*w + c -> grid_h[r]

    def sincos(t):
        arg = (t[:, None] * inv_freq[None, :]).astype(F32).astype(F64)
        return np.concatenate([np.sin(arg), np.cos(arg)], axis=-1)

    return np.concatenate([sincos(cols), sincos(rows)], axis=-1)


def rope_cos_sin(freqs, n):
    """rotary_embedding_torch 0.5.3: angles pos * freqs (float32), each repeated for its pair."""
    pos = np.arange(n).astype(F32)
    ang = (pos[:, None] * freqs.astype(F32)[None, :]).astype(F32).astype(F64)
    ang = np.repeat(ang, 2, axis=-1)
    return np.cos(ang), np.sin(ang)


def rotate_half_interleaved(x):
    x1 = x[..., 0::2]
    x2 = x[..., 1::2]
    return np.stack([-x2, x1], axis=-1).reshape(x.shape)


class STDiT3(FolderModel):
    WEIGHTS = "model.safetensors"

    def __init__(self, config, weights):
        super().__init__(config, weights)
        self.c = config
        self.hidden = config["hidden_size"]
        self.heads = config["num_heads"]
        self.hd = self.hidden // self.heads
        self.depth = config["depth"]
        self.patch = list(config.get("patch_size", [1, 2, 2]))
        self.in_ch = config.get("in_channels", 4)
        self.out_ch = self.in_ch * 2 if config.get("pred_sigma", True) else self.in_ch
        self.qk_norm = config.get("qk_norm", True)
        self.sq = config.get("input_sq_size", 512)

    # --- embeddings -----------------------------------------------------------------------
    def patch_embed(self, x):
        b, c, t, h, w = x.shape
        pt, ph, pw = self.patch
        pad = [(0, 0), (0, 0), (0, (-t) % pt), (0, (-h) % ph), (0, (-w) % pw)]
        x = np.pad(x, pad)
        _, _, t, h, w = x.shape
        nt, nh, nw = t // pt, h // ph, w // pw
        p = x.reshape(b, c, nt, pt, nh, ph, nw, pw).transpose(0, 2, 4, 6, 1, 3, 5, 7)
        p = p.reshape(b, nt * nh * nw, c * pt * ph * pw)
        kernel = self.W["x_embedder.proj.weight"].reshape(self.hidden, -1)
        return p @ kernel.T + self.W["x_embedder.proj.bias"], (nt, nh, nw)

    def t_embed(self, prefix, t):
        freq = timestep_embedding(np.asarray(t, dtype=F32), 256)
        w = self.W
        return mlp(freq, w, (prefix + ".mlp.0", prefix + ".mlp.2"), silu)

    def caption(self, y):
        w = self.W
        return mlp(y, w, ("y_embedder.y_proj.fc1", "y_embedder.y_proj.fc2"), gelu_tanh)

    # --- attention ------------------------------------------------------------------------
    def self_attention(self, p, x, rope):
        """x (n, L, C) sequences; q, k RMS-normed per head, then rotary when given."""
        w = self.W
        n, L, C = x.shape
        qkv = linear(x, w[p + ".qkv.weight"], w[p + ".qkv.bias"]).reshape(n, L, 3, self.heads, self.hd)
        q, k, v = qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2]
        if self.qk_norm:
            q = rms_norm(q, EPS, w[p + ".q_norm.weight"])
            k = rms_norm(k, EPS, w[p + ".k_norm.weight"])
        if rope is not None:
            cos, sin = rope  # (L, hd)
            q = q * cos[None, :, None, :] + rotate_half_interleaved(q) * sin[None, :, None, :]
            k = k * cos[None, :, None, :] + rotate_half_interleaved(k) * sin[None, :, None, :]
        s = np.einsum("nqhd,nkhd->nhqk", q, k) / math.sqrt(self.hd)
        o = np.einsum("nhqk,nkhd->nqhd", softmax(s), v).reshape(n, L, C)
        return linear(o, w[p + ".proj.weight"], w[p + ".proj.bias"])

    def cross_attention(self, p, x, y, valid):
        """x (B, N, C); y (B, L, C) projected captions; valid[b] = indices of sample b's valid tokens."""
        w = self.W
        B, N, C = x.shape
        out = np.empty_like(x)
        for b in range(B):
            q = linear(x[b], w[p + ".q_linear.weight"], w[p + ".q_linear.bias"]).reshape(N, self.heads, self.hd)
            kv = linear(y[b][valid[b]], w[p + ".kv_linear.weight"], w[p + ".kv_linear.bias"])
            kv = kv.reshape(-1, 2, self.heads, self.hd)
            k, v = kv[:, 0], kv[:, 1]
            s = np.einsum("qhd,khd->hqk", q, k) / math.sqrt(self.hd)
            out[b] = np.einsum("hqk,khd->qhd", softmax(s), v).reshape(N, C)
        return linear(out, w[p + ".proj.weight"], w[p + ".proj.bias"])

    # --- blocks ---------------------------------------------------------------------------
    def block(self, p, temporal, x, y, valid, t_mlp, t0_mlp, x_mask, T, S, rope):
        B, N, C = x.shape
        table = self.W[p + ".scale_shift_table"]
        m = table[None] + t_mlp.reshape(B, 6, C)
        m0 = table[None] + t0_mlp.reshape(B, 6, C) if x_mask is not None else None

        def sel(a, b_):
            if x_mask is None:
                return a
            keep = x_mask[:, :, None, None]
            return np.where(keep, a.reshape(B, T, S, C), b_.reshape(B, T, S, C)).reshape(B, N, C)

        def mod(k):  # (shift, scale, gate) rows of m / m0 for k = 0 (msa) or 3 (mlp)
            return m[:, k:k + 1], m[:, k + 1:k + 2], m[:, k + 2:k + 3]

        h = layer_norm(x, EPS)
        sh, sc, g = mod(0)
        xm = t2i_modulate(h, sh, sc)
        if x_mask is not None:
            xm = sel(xm, t2i_modulate(h, m0[:, 0:1], m0[:, 1:2]))
        if temporal:
            seq = xm.reshape(B, T, S, C).transpose(0, 2, 1, 3).reshape(B * S, T, C)
            a = self.self_attention(p + ".attn", seq, rope)
            a = a.reshape(B, S, T, C).transpose(0, 2, 1, 3).reshape(B, N, C)
        else:
            a = self.self_attention(p + ".attn", xm.reshape(B * T, S, C), None).reshape(B, N, C)
        x = x + sel(g * a, m0[:, 2:3] * a if x_mask is not None else None)
        x = x + self.cross_attention(p + ".cross_attn", x, y, valid)
        h = layer_norm(x, EPS)
        sh, sc, g = mod(3)
        xm = t2i_modulate(h, sh, sc)
        if x_mask is not None:
            xm = sel(xm, t2i_modulate(h, m0[:, 3:4], m0[:, 4:5]))
        f = mlp(xm, self.W, (p + ".mlp.fc1", p + ".mlp.fc2"), gelu_tanh)
        return x + sel(g * f, m0[:, 5:6] * f if x_mask is not None else None)

    # --- forward --------------------------------------------------------------------------
    def prepare(self, x, timestep, y, mask, fps, height, width, x_mask=None):
        B = x.shape[0]
        x = np.asarray(x, dtype=F64)
        tok, (T, H, W) = self.patch_embed(x)
        S = H * W
        base_size = int(round(S ** 0.5))
        # python floats from .item(): float32 tensors read as doubles
        scale = (float(F32(height[0])) * float(F32(width[0]))) ** 0.5 / self.sq
        pos = pos_embed_2d(self.hidden, H, W, scale, base_size)
        tok = (tok.reshape(B, T, S, self.hidden) + pos[None, None]).reshape(B, T * S, self.hidden)

        fps = np.asarray(fps, dtype=F32).reshape(-1)
        if fps.shape[0] != B:
            fps = np.tile(fps, B // fps.shape[0])
        fps_emb = self.t_embed("fps_embedder", fps)
        t = self.t_embed("t_embedder", np.asarray(timestep, dtype=F32).reshape(-1)) + fps_emb
        t_mlp = linear(silu(t), self.W["t_block.1.weight"], self.W["t_block.1.bias"])
        t0 = t0_mlp = None
        if x_mask is not None:
            t0 = self.t_embed("t_embedder", np.zeros(B, dtype=F32)) + fps_emb
            t0_mlp = linear(silu(t0), self.W["t_block.1.weight"], self.W["t_block.1.bias"])
            x_mask = np.asarray(x_mask).astype(bool)
            if x_mask.shape[0] != B:
                x_mask = np.tile(x_mask, (B // x_mask.shape[0], 1))

        y = np.asarray(y, dtype=F64)
        y = y.reshape(y.shape[0], y.shape[-2], y.shape[-1])
        yp = self.caption(y)
        L = y.shape[1]
        if mask is None:
            valid = [np.arange(L)] * B
        else:
            mask = np.asarray(mask).reshape(-1, L)
            if mask.shape[0] != B:
                mask = np.tile(mask, (B // mask.shape[0], 1))
            valid = [np.nonzero(mask[b] != 0)[0] for b in range(B)]
        freqs = self.W["rope.freqs"]
        return dict(tok=tok, T=T, H=H, W=W, S=S, t=t, t0=t0, t_mlp=t_mlp, t0_mlp=t0_mlp, x_mask=x_mask,
                    y=yp, valid=valid, rope=rope_cos_sin(freqs, T), shape=x.shape)

    def run_blocks(self, h, s, acts=None):
        for i in range(self.depth):
            for kind, temporal in (("spatial_blocks", False), ("temporal_blocks", True)):
                h = self.block(f"{kind}.{i}", temporal, h, s["y"], s["valid"], s["t_mlp"], s["t0_mlp"],
                               s["x_mask"], s["T"], s["S"], s["rope"] if temporal else None)
                if acts is not None:
                    acts[f"act.{kind}.{i}"] = h
        return h

    def head(self, h, s):
        B = h.shape[0]
        C = self.hidden
        table = self.W["final_layer.scale_shift_table"]
        m = table[None] + s["t"][:, None]
        hx = t2i_modulate(layer_norm(h, EPS), m[:, 0:1], m[:, 1:2])
        if s["x_mask"] is not None:
            # T2IFinalLayer normalises the already modulated x for its t0 branch (blocks.py 578-583)
            m0 = table[None] + s["t0"][:, None]
            hz = t2i_modulate(layer_norm(hx, EPS), m0[:, 0:1], m0[:, 1:2])
            keep = s["x_mask"][:, :, None, None]
            T, S = s["T"], s["S"]
            hx = np.where(keep, hx.reshape(B, T, S, C), hz.reshape(B, T, S, C)).reshape(B, T * S, C)
        o = linear(hx, self.W["final_layer.linear.weight"], self.W["final_layer.linear.bias"])
        T, H, W = s["T"], s["H"], s["W"]
        pt, ph, pw = self.patch
        o = o.reshape(B, T, H, W, pt, ph, pw, self.out_ch).transpose(0, 7, 1, 4, 2, 5, 3, 6)
        o = o.reshape(B, self.out_ch, T * pt, H * ph, W * pw)
        _, _, rt, rh, rw = s["shape"]
        return o[:, :, :rt, :rh, :rw]

    def forward(self, x, timestep, y, mask, fps, height, width, x_mask=None):
        s = self.prepare(x, timestep, y, mask, fps, height, width, x_mask)
        acts = {}
        h = self.run_blocks(s["tok"], s, acts)
        return self.head(h, s), acts
