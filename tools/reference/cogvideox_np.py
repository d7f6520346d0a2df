"""Independent float64 NumPy reference of diffusers' CogVideoXTransformer3DModel, CogVideoX 1.5 path
(patch_size_t set, rotary positions, no ofs / timestep_cond), written from a reading of
cogvideox_transformer_3d.py, CogVideoXAttnProcessor2_0, CogVideoXLayerNormZero, AdaLayerNorm
(chunk_dim=1), CogVideoXPatchEmbed and get_3d_rotary_pos_embed(grid_type="slice").

    model = CogVideoXModel.from_folder(dir)
    out, acts = model.forward(hidden_states (B,F,C,H,W), timestep (B,), encoder_hidden_states (B,L,Dt))
    # acts[i] = (video stream, text stream) after block i

The rotary tables are computed here in float64 from the formula (angle = position / 10000^(2k/d),
axis widths hd/4, 3hd/8, 3hd/8, positions 0..n-1) unless given.
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


def rope_tables(head_dim, frames, rows, columns, theta=10000.0):
    """(frames*rows*columns, head_dim) cos and sin, each angle repeated for both channels of its pair."""
    widths = [head_dim // 4, head_dim // 8 * 3, head_dim // 8 * 3]
    grid = np.stack(np.meshgrid(np.arange(frames), np.arange(rows), np.arange(columns), indexing="ij"), -1).reshape(-1, 3)
    angles = []
    for axis, d in enumerate(widths):
        freq = 1.0 / theta ** (np.arange(0, d, 2, dtype=F64) / d)
        angles.append(grid[:, axis:axis + 1].astype(F64) * freq[None, :])
    a = np.repeat(np.concatenate(angles, -1), 2, axis=-1)
    return np.cos(a), np.sin(a)


def rotate(x, cos, sin):
    """apply_rotary_emb(use_real=True, unbind_dim=-1) on (..., S, hd): pairs (2i, 2i+1)."""
    xr = x[..., 0::2]
    xi = x[..., 1::2]
    rotated = np.stack([-xi, xr], -1).reshape(x.shape)
    return x * cos + rotated * sin


class CogVideoXModel:
    def __init__(self, config, weights):
        self.c = config
        self.w = {k: np.asarray(v, dtype=F64) for k, v in weights.items()}
        self.heads = config["num_attention_heads"]
        self.hd = config["attention_head_dim"]
        self.dim = self.heads * self.hd
        self.eps = config.get("norm_eps", 1e-5)
        self.affine = config.get("norm_elementwise_affine", True)

    @classmethod
    def from_folder(cls, folder):
        with open(os.path.join(folder, "config.json")) as f:
            cfg = json.load(f)
        w, _ = st.load(os.path.join(folder, "diffusion_pytorch_model.safetensors"))
        return cls(cfg, w)

    def lin(self, x, name):
        return linear(x, self.w[name + ".weight"], self.w.get(name + ".bias"))

    def norm(self, x, name, eps):
        if name is None:
            return layer_norm(x, eps)
        return layer_norm(x, eps, self.w.get(name + ".weight"), self.w.get(name + ".bias"))

    def block(self, i, video, text, temb, cos, sin):
        p = f"transformer_blocks.{i}."
        B, L, D = text.shape
        S = video.shape[1]
        affine = p + "norm1.norm" if self.affine else None
        m = self.lin(silu(temb), p + "norm1.linear")[:, None, :]
        shift, scale, gate, eshift, escale, egate = np.split(m, 6, axis=-1)
        nv = self.norm(video, affine, self.eps) * (1 + scale) + shift
        nt = self.norm(text, affine, self.eps) * (1 + escale) + eshift
        joint = np.concatenate([nt, nv], 1)
        a = p + "attn1."

        def heads(x):
            return x.reshape(B, L + S, self.heads, self.hd).transpose(0, 2, 1, 3)

        q = heads(self.lin(joint, a + "to_q"))
        k = heads(self.lin(joint, a + "to_k"))
        v = heads(self.lin(joint, a + "to_v"))
        q = layer_norm(q, 1e-6, self.w[a + "norm_q.weight"], self.w[a + "norm_q.bias"])
        k = layer_norm(k, 1e-6, self.w[a + "norm_k.weight"], self.w[a + "norm_k.bias"])
        q[:, :, L:] = rotate(q[:, :, L:], cos, sin)
        k[:, :, L:] = rotate(k[:, :, L:], cos, sin)
        att = softmax(q @ k.transpose(0, 1, 3, 2) / math.sqrt(self.hd)) @ v
        att = self.lin(att.transpose(0, 2, 1, 3).reshape(B, L + S, D), a + "to_out.0")
        video = video + gate * att[:, L:]
        text = text + egate * att[:, :L]

        affine = p + "norm2.norm" if self.affine else None
        m = self.lin(silu(temb), p + "norm2.linear")[:, None, :]
        shift, scale, gate, eshift, escale, egate = np.split(m, 6, axis=-1)
        nv = self.norm(video, affine, self.eps) * (1 + scale) + shift
        nt = self.norm(text, affine, self.eps) * (1 + escale) + eshift
        act = self.c.get("activation_fn", "gelu-approximate")
        assert act == "gelu-approximate", act
        ff = self.lin(gelu_tanh(self.lin(np.concatenate([nt, nv], 1), p + "ff.net.0.proj")), p + "ff.net.2")
        return video + gate * ff[:, L:], text + egate * ff[:, :L]

    def forward(self, hidden_states, timestep, encoder_hidden_states, rope=None, return_acts=False):
        c = self.c
        x = np.asarray(hidden_states, dtype=F64)
        B, F, C, H, W = x.shape
        p, pt = c["patch_size"], c["patch_size_t"]
        T, gh, gw = F // pt, H // p, W // p
        t = np.asarray(timestep).reshape(-1)
        temb = timestep_embedding(t, self.dim)  # flip_sin_to_cos, shift 0, float32 arguments as torch
        temb = self.lin(silu(self.lin(temb, "time_embedding.linear_1")), "time_embedding.linear_2")
        text = self.lin(np.asarray(encoder_hidden_states, dtype=F64), "patch_embed.text_proj")
        patches = x.transpose(0, 1, 3, 4, 2).reshape(B, T, pt, gh, p, gw, p, C)
        patches = patches.transpose(0, 1, 3, 5, 7, 2, 4, 6).reshape(B, T * gh * gw, C * pt * p * p)
        video = self.lin(patches, "patch_embed.proj")
        cos, sin = rope if rope is not None else rope_tables(self.hd, T, gh, gw)
        acts = []
        for i in range(c["num_layers"]):
            video, text = self.block(i, video, text, temb, cos, sin)
            acts.append((video, text))
        final = "norm_final" if self.affine else None
        h = self.norm(video, final, self.eps)
        m = self.lin(silu(temb), "norm_out.linear")[:, None, :]
        shift, scale = np.split(m, 2, axis=-1)
        h = self.norm(h, "norm_out.norm" if self.affine else None, self.eps) * (1 + scale) + shift
        h = self.lin(h, "proj_out")
        out = h.reshape(B, T, gh, gw, -1, pt, p, p).transpose(0, 1, 5, 4, 2, 6, 3, 7).reshape(B, T * pt, -1, gh * p, gw * p)
        return (out, acts) if return_acts else out
