"""Independent float64 NumPy reference of diffusers' WanTransformer3DModel (Wan2.1 T2V) forward.

Written from a reading of diffusers' transformer_wan.py / embeddings.py / attention.py
(text-to-video path only: no image embedder, no added k/v projections, 1-D timestep).

Usage:
    model = WanModel.from_folder("path/with/config.json+diffusion_pytorch_model.safetensors")
    out, acts = model.forward(hidden_states, timestep, encoder_hidden_states, return_acts=True)

All arithmetic is float64 by default (weights upcast BF16 / F32 -> F64 on load); dtype=np.float32
gives a float32 run of the same code, used only to estimate how far an honest float32 port lands.
The forward is also split into prepare() / run_blocks() / head() so that a sampler can
skip the block stack (residual caching).
"""
import json
import math
import os

import numpy as np

try:
    from . import safetensors_np as st  # type: ignore
except ImportError:  # run as a script from this folder
    import safetensors_np as st  # type: ignore

F64 = np.float64

# ---------------------------------------------------------------------------------------------
# elementary ops
# ---------------------------------------------------------------------------------------------


def linear(x, w, b=None):
    """torch.nn.Linear: y = x @ W^T + b, W is (out, in)."""
    y = x @ w.T
    if b is not None:
        y = y + b
    return y


def silu(x):
    return x / (1.0 + np.exp(-x))


def gelu_tanh(x):
    """GELU, approximate='tanh': 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def layer_norm(x, eps, weight=None, bias=None):
    """LayerNorm over the last axis, biased variance, eps inside the sqrt."""
    mu = x.mean(axis=-1, keepdims=True)
    xc = x - mu
    var = (xc * xc).mean(axis=-1, keepdims=True)
    y = xc / np.sqrt(var + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def rms_norm(x, eps, weight):
    """torch.nn.RMSNorm over the last axis: x / sqrt(mean(x^2) + eps) * weight."""
    return x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + eps) * weight


def softmax(x, axis=-1):
    m = x.max(axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / e.sum(axis=axis, keepdims=True)


def timestep_embedding(t, dim, fp32_args=True, max_period=10000.0, freq_ulp_bumps=()):
    """diffusers get_timestep_embedding(t, dim, flip_sin_to_cos=True, downscale_freq_shift=0).

    freq_j = exp(-ln(max_period) * j / half), j < half;  emb = [cos(t*freq), sin(t*freq)]
    (cos first because flip_sin_to_cos=True; a zero column is appended when dim is odd).

    diffusers computes the exponent, exp() and the product t*freq in float32. With t up to 1000
    the float32 rounding of the argument is up to ~6e-5 absolute, and the model output is very
    sensitive to it (see README). fp32_args=True reproduces that: exponent = f32(f32(-ln 1e4) * j) / half,
    freq = f32(exp(exponent)) (correctly rounded), arg = f32(f32(t) * freq); cos/sin are then
    evaluated in float64. fp32_args=False is the exact float64 formula.
    freq_ulp_bumps: [(j, +1|-1), ...] moves freq_j by one float32 ulp (diagnostic: PyTorch's
    float32 exp on the machine that produced the goldens rounds freq_13 one ulp up).
    """
    t = np.asarray(t).reshape(-1)
    half = dim // 2
    if fp32_args:
        j = np.arange(half, dtype=np.float32)
        expo = (np.float32(-math.log(max_period)) * j) / np.float32(half)
        freq = np.exp(expo.astype(F64)).astype(np.float32)
        for jj, d in freq_ulp_bumps:
            freq[jj] = np.nextafter(freq[jj], np.float32(np.inf if d > 0 else -np.inf))
        arg = (t.astype(np.float32)[:, None] * freq[None, :]).astype(np.float32).astype(F64)
    else:
        freq = np.exp(-math.log(max_period) * np.arange(half, dtype=F64) / half)
        arg = t.astype(F64)[:, None] * freq[None, :]
    emb = np.concatenate([np.cos(arg), np.sin(arg)], axis=-1)
    if dim % 2 == 1:
        emb = np.concatenate([emb, np.zeros((emb.shape[0], 1))], axis=-1)
    return emb


# ---------------------------------------------------------------------------------------------
# rotary position embedding
# ---------------------------------------------------------------------------------------------


def rope_axis_dims(head_dim):
    """Per-axis table widths used to BUILD the tables: t = hd - 2*h, h = w = 2*(hd//6)."""
    h = w = 2 * (head_dim // 6)
    return head_dim - h - w, h, w


def rope_split_sizes(head_dim, mode="build"):
    """Column split applied in forward() to the concatenated tables.

    mode "build"  : the build widths [t, h, w] = [hd - 4*(hd//6), 2*(hd//6), 2*(hd//6)]
                    (diffusers commit b6bd8f1; the goldens in /work/shared match THIS one).
    mode "thirds" : [hd - 2*(hd//3), hd//3, hd//3] (some other diffusers releases; with a
                    misaligned split a cos/sin pair can mix axes). Identical to "build" unless
                    hd % 6 in {3, 4, 5} (e.g. hd = 16, 22, 64); differs for the /work/shared
                    goldens (hd=16: [8,4,4] vs [6,5,5]) and is rejected by them (rel err ~5e-4).
    """
    if mode == "thirds":
        return [head_dim - 2 * (head_dim // 3), head_dim // 3, head_dim // 3]
    if mode == "build":
        return list(rope_axis_dims(head_dim))
    raise ValueError(mode)


def rope_tables(head_dim, max_seq_len, theta=10000.0):
    """Concatenated (max_seq_len, head_dim) cos / sin tables, each axis repeat-interleaved.

    For an axis of width d: freq_k = 1 / theta^(2k/d), k < d/2; table[p, 2k] = table[p, 2k+1] = f(p*freq_k).
    diffusers builds them in float64 and stores them as float32 (we keep float64).
    """
    cos_parts, sin_parts = [], []
    pos = np.arange(max_seq_len, dtype=F64)
    for d in rope_axis_dims(head_dim):
        assert d % 2 == 0
        freqs = 1.0 / theta ** (np.arange(0, d, 2, dtype=F64)[: d // 2] / d)
        ang = np.outer(pos, freqs)
        cos_parts.append(np.repeat(np.cos(ang), 2, axis=1))
        sin_parts.append(np.repeat(np.sin(ang), 2, axis=1))
    return np.concatenate(cos_parts, axis=1), np.concatenate(sin_parts, axis=1)


def rope_for_grid(head_dim, max_seq_len, ppf, pph, ppw, split_mode="build"):
    """(seq, head_dim) cos and sin for tokens ordered (frame, row, col), row-major."""
    cos_t, sin_t = rope_tables(head_dim, max_seq_len)
    sizes = rope_split_sizes(head_dim, split_mode)
    assert max(ppf, pph, ppw) <= max_seq_len, "grid larger than rope_max_seq_len"
    outs = []
    for tab in (cos_t, sin_t):
        parts = np.split(tab, np.cumsum(sizes)[:-1], axis=1)
        f = np.broadcast_to(parts[0][:ppf][:, None, None, :], (ppf, pph, ppw, sizes[0]))
        h = np.broadcast_to(parts[1][:pph][None, :, None, :], (ppf, pph, ppw, sizes[1]))
        w = np.broadcast_to(parts[2][:ppw][None, None, :, :], (ppf, pph, ppw, sizes[2]))
        outs.append(np.concatenate([f, h, w], axis=-1).reshape(ppf * pph * ppw, head_dim))
    return outs[0], outs[1]


def apply_rope(x, cos, sin):
    """x: (B, H, S, D) with interleaved pairs (x[2i], x[2i+1]).

    Uses cos[..., 0::2] and sin[..., 1::2] (exactly like diffusers; with a non-aligned split the
    cos and sin of one pair may come from different table columns).
    """
    x1 = x[..., 0::2]
    x2 = x[..., 1::2]
    c = cos[..., 0::2]
    s = sin[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = x1 * c - x2 * s
    out[..., 1::2] = x1 * s + x2 * c
    return out


# ---------------------------------------------------------------------------------------------
# model
# ---------------------------------------------------------------------------------------------


class WanModel:
    def __init__(self, config, weights, rope_split="build", t_fp32_args=True, t_freq_ulp_bumps=(),
                 dtype=F64):
        self.cfg = dict(config)
        self.dtype = np.dtype(dtype)
        self.w = {k: np.asarray(v, dtype=self.dtype) for k, v in weights.items()}
        c = self.cfg
        self.pt, self.ph, self.pw = c["patch_size"]
        self.heads = c["num_attention_heads"]
        self.hd = c["attention_head_dim"]
        self.dim = self.heads * self.hd
        self.in_ch = c["in_channels"]
        self.out_ch = c.get("out_channels") or c["in_channels"]
        self.freq_dim = c["freq_dim"]
        self.layers = c["num_layers"]
        self.eps = c["eps"]
        self.cross_attn_norm = c["cross_attn_norm"]
        self.rope_max = c["rope_max_seq_len"]
        self.rope_split = rope_split
        self.t_fp32_args = t_fp32_args
        self.t_freq_ulp_bumps = tuple(t_freq_ulp_bumps)
        if c.get("image_dim") is not None or c.get("added_kv_proj_dim") is not None:
            raise NotImplementedError("image conditioning (I2V) is not implemented")
        if c.get("qk_norm") not in ("rms_norm_across_heads",):
            raise NotImplementedError(f"qk_norm={c.get('qk_norm')}")

    @classmethod
    def from_folder(cls, folder, **kw):
        with open(os.path.join(folder, "config.json")) as f:
            cfg = json.load(f)
        weights, _ = st.load(os.path.join(folder, "diffusion_pytorch_model.safetensors"))
        return cls(cfg, weights, **kw)

    # -- pieces ------------------------------------------------------------------------------

    def patch_embed(self, x):
        """Conv3d(kernel = stride = patch) as a matmul; tokens ordered (f, h, w). x: (B, C, F, H, W)."""
        B, C, Fr, H, W = x.shape
        pt, ph, pw = self.pt, self.ph, self.pw
        f, h, w = Fr // pt, H // ph, W // pw
        x = x[:, :, : f * pt, : h * ph, : w * pw]  # conv with stride drops any remainder
        x = x.reshape(B, C, f, pt, h, ph, w, pw).transpose(0, 2, 4, 6, 1, 3, 5, 7)
        x = x.reshape(B, f * h * w, C * pt * ph * pw)  # per token: (c, kt, kh, kw) like the conv weight
        wt = self.w["patch_embedding.weight"].reshape(self.dim, -1)
        return linear(x, wt, self.w["patch_embedding.bias"]), (f, h, w)

    def condition(self, timestep, ctx):
        """Returns temb (B, dim), timestep_proj (B, 6, dim), text (B, L, dim)."""
        W = self.w
        p = "condition_embedder."
        tt = timestep_embedding(timestep, self.freq_dim, fp32_args=self.t_fp32_args,
                                freq_ulp_bumps=self.t_freq_ulp_bumps).astype(self.dtype)
        temb = linear(tt, W[p + "time_embedder.linear_1.weight"], W[p + "time_embedder.linear_1.bias"])
        temb = linear(silu(temb), W[p + "time_embedder.linear_2.weight"], W[p + "time_embedder.linear_2.bias"])
        tproj = linear(silu(temb), W[p + "time_proj.weight"], W[p + "time_proj.bias"])
        tproj = tproj.reshape(tproj.shape[0], 6, self.dim)
        txt = linear(ctx, W[p + "text_embedder.linear_1.weight"], W[p + "text_embedder.linear_1.bias"])
        txt = linear(gelu_tanh(txt), W[p + "text_embedder.linear_2.weight"], W[p + "text_embedder.linear_2.bias"])
        return temb, tproj, txt

    def attention(self, pre, x, kv, rope=None):
        W = self.w
        B, S, _ = x.shape
        L = kv.shape[1]
        q = linear(x, W[pre + "to_q.weight"], W[pre + "to_q.bias"])
        k = linear(kv, W[pre + "to_k.weight"], W[pre + "to_k.bias"])
        v = linear(kv, W[pre + "to_v.weight"], W[pre + "to_v.bias"])
        # RMSNorm over the full inner dim (all heads together), before splitting heads
        q = rms_norm(q, self.eps, W[pre + "norm_q.weight"])
        k = rms_norm(k, self.eps, W[pre + "norm_k.weight"])
        q = q.reshape(B, S, self.heads, self.hd).transpose(0, 2, 1, 3)
        k = k.reshape(B, L, self.heads, self.hd).transpose(0, 2, 1, 3)
        v = v.reshape(B, L, self.heads, self.hd).transpose(0, 2, 1, 3)
        if rope is not None:
            q = apply_rope(q, *rope)
            k = apply_rope(k, *rope)
        a = softmax(q @ k.transpose(0, 1, 3, 2) / math.sqrt(self.hd))
        o = (a @ v).transpose(0, 2, 1, 3).reshape(B, S, self.dim)
        return linear(o, W[pre + "to_out.0.weight"], W[pre + "to_out.0.bias"])

    def block(self, i, x, txt, tproj, rope):
        W = self.w
        p = f"blocks.{i}."
        mod = W[p + "scale_shift_table"] + tproj  # (1,6,D) + (B,6,D)
        shift_msa, scale_msa, gate_msa = mod[:, 0:1], mod[:, 1:2], mod[:, 2:3]
        c_shift, c_scale, c_gate = mod[:, 3:4], mod[:, 4:5], mod[:, 5:6]
        n = layer_norm(x, self.eps) * (1.0 + scale_msa) + shift_msa
        x = x + self.attention(p + "attn1.", n, n, rope) * gate_msa
        if self.cross_attn_norm:
            n = layer_norm(x, self.eps, W[p + "norm2.weight"], W[p + "norm2.bias"])
        else:
            n = x
        x = x + self.attention(p + "attn2.", n, txt, None)
        n = layer_norm(x, self.eps) * (1.0 + c_scale) + c_shift
        ff = linear(gelu_tanh(linear(n, W[p + "ffn.net.0.proj.weight"], W[p + "ffn.net.0.proj.bias"])),
                    W[p + "ffn.net.2.weight"], W[p + "ffn.net.2.bias"])
        return x + ff * c_gate

    # -- forward split in three stages ---------------------------------------------------------

    def prepare(self, hidden_states, timestep, encoder_hidden_states):
        x = np.asarray(hidden_states, dtype=self.dtype)
        B = x.shape[0]
        t = np.asarray(timestep).reshape(-1)
        if t.shape[0] == 1 and B > 1:
            t = np.repeat(t, B)
        assert t.shape[0] == B, "timestep must be (B,) or (1,)"
        h, grid = self.patch_embed(x)
        temb, tproj, txt = self.condition(t, np.asarray(encoder_hidden_states, dtype=self.dtype))
        rope = rope_for_grid(self.hd, self.rope_max, *grid, split_mode=self.rope_split)
        rope = (rope[0].astype(self.dtype), rope[1].astype(self.dtype))
        return h, dict(B=B, grid=grid, temb=temb, tproj=tproj, txt=txt, rope=rope)

    def run_blocks(self, h, state, acts=None):
        for i in range(self.layers):
            h = self.block(i, h, state["txt"], state["tproj"], state["rope"])
            if acts is not None:
                acts.append(h)
        return h

    def head(self, h, state):
        W = self.w
        mod = W["scale_shift_table"] + state["temb"][:, None, :]  # temb, NOT silu(temb)
        shift, scale = mod[:, 0:1], mod[:, 1:2]
        h = layer_norm(h, self.eps) * (1.0 + scale) + shift
        h = linear(h, W["proj_out.weight"], W["proj_out.bias"])
        B = state["B"]
        f, hh, ww = state["grid"]
        pt, ph, pw = self.pt, self.ph, self.pw
        # proj_out feature index = ((kt*ph + kh)*pw + kw)*out_ch + c
        h = h.reshape(B, f, hh, ww, pt, ph, pw, self.out_ch)
        h = h.transpose(0, 7, 1, 4, 2, 5, 3, 6)
        return h.reshape(B, self.out_ch, f * pt, hh * ph, ww * pw)

    def forward(self, hidden_states, timestep, encoder_hidden_states, return_acts=False):
        h, state = self.prepare(hidden_states, timestep, encoder_hidden_states)
        acts = [] if return_acts else None
        h = self.run_blocks(h, state, acts)
        out = self.head(h, state)
        return (out, acts) if return_acts else out
