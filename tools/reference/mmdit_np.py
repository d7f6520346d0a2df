"""Independent float64 NumPy reference of diffusers' FluxTransformer2DModel and
QwenImageTransformer2DModel forward passes (the MMDiT families).

Written from a reading of diffusers' transformer_flux.py / transformer_qwenimage.py /
embeddings.py / normalization.py / attention.py (text-to-image paths only: no ControlNet,
IP-Adapter, zero_cond_t, additional t-cond or layer-3D rope).

Usage:
    model = FluxModel.from_folder(dir)       # or QwenImageModel.from_folder(dir)
    out, acts = model.forward(inputs, meta)  # inputs: dict of in.* arrays without the prefix
acts maps the golden names act.<block list>.<i>.<k> (k = 0 text stream, 1 image stream) to arrays.

All arithmetic is float64 except the timestep arguments, rounded to float32 exactly where
diffusers computes them in float32 (see sinusoid()), and Qwen-Image's rotary angles, which
diffusers builds in float32 (see qwen_rope()).
"""
import json
import math
import os

import numpy as np

try:
    from . import safetensors_np as st  # type: ignore
    from .wan_np import gelu_tanh, layer_norm, linear, rms_norm, silu, softmax  # type: ignore
except ImportError:  # run as a script from this folder
    import safetensors_np as st  # type: ignore
    from wan_np import gelu_tanh, layer_norm, linear, rms_norm, silu, softmax  # type: ignore

F64 = np.float64
F32 = np.float32


# PyTorch's float32 exp returns freq_13 of the 256-wide sinusoid one float32 ulp above the
# correctly rounded value (the Wan reference found the same, see README); with FLUX's guidance
# argument 3500 that one ulp is 3e-6 of the output, so the reference reproduces it.
TORCH_EXP_ULP_BUMPS = ((13, 1),)


def sinusoid(t, dim=256, scale=1.0, freq_ulp_bumps=TORCH_EXP_ULP_BUMPS):
    """diffusers get_timestep_embedding(t, dim, flip_sin_to_cos=True, downscale_freq_shift=0, scale).

    freq_j = exp(-ln(1e4) j / half) and t * freq_j are float32 in diffusers, then scale * (t * freq)
    (float32 again when scale != 1); cos first. cos/sin are taken in float64 of those float32 values.
    """
    t = np.asarray(t, dtype=F32).reshape(-1)
    half = dim // 2
    j = np.arange(half, dtype=F32)
    freq = np.exp(((F32(-math.log(10000.0)) * j) / F32(half)).astype(F64)).astype(F32)
    for jj, d in freq_ulp_bumps:
        if jj < half:
            freq[jj] = np.nextafter(freq[jj], F32(np.inf if d > 0 else -np.inf))
    arg = (t[:, None] * freq[None, :]).astype(F32)
    if scale != 1.0:
        arg = (F32(scale) * arg).astype(F32)
    arg = arg.astype(F64)
    return np.concatenate([np.cos(arg), np.sin(arg)], axis=-1)


def mlp(w, prefix, x, act):
    return linear(act(linear(x, w[prefix + ".linear_1.weight"], w[prefix + ".linear_1.bias"])),
                  w[prefix + ".linear_2.weight"], w[prefix + ".linear_2.bias"])


def feed_forward(w, prefix, x):
    """diffusers FeedForward(activation_fn="gelu-approximate"): net.0.proj, gelu-tanh, net.2."""
    h = gelu_tanh(linear(x, w[prefix + ".net.0.proj.weight"], w[prefix + ".net.0.proj.bias"]))
    return linear(h, w[prefix + ".net.2.weight"], w[prefix + ".net.2.bias"])


def lin(w, name, x):
    return linear(x, w[name + ".weight"], w[name + ".bias"])


def chunks(v, n):
    """(B, n*D) -> n arrays (B, 1, D)."""
    return [c[:, None, :] for c in np.split(v, n, axis=-1)]


def modulate(x, shift, scale, eps=1e-6):
    return layer_norm(x, eps) * (1.0 + scale) + shift


def rotate(x, cos, sin):
    """x (B, S, H, D), pairs (x[2i], x[2i+1]); cos/sin (S, D/2) per pair."""
    x1 = x[..., 0::2]
    x2 = x[..., 1::2]
    c = cos[None, :, None, :]
    s = sin[None, :, None, :]
    out = np.empty_like(x)
    out[..., 0::2] = x1 * c - x2 * s
    out[..., 1::2] = x1 * s + x2 * c
    return out


def attention(q, k, v, key_mask=None):
    """q, k, v (B, S, H, D) -> (B, S, H*D); key_mask (B, S_k) bool, False = not attended."""
    d = q.shape[-1]
    scores = np.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(d)
    if key_mask is not None:
        scores = np.where(key_mask[:, None, None, :], scores, -np.inf)
    p = softmax(scores, axis=-1)
    out = np.einsum("bhqk,bkhd->bqhd", p, v)
    return out.reshape(out.shape[0], out.shape[1], -1)


def angles(axes_dims, positions, theta=10000.0):
    """(S, sum(axes)/2) angles: pair k of an axis of width d turns by pos * theta^(-2k/d)."""
    parts = []
    for a, d in enumerate(axes_dims):
        freqs = 1.0 / theta ** (np.arange(0, d, 2, dtype=F64) / d)
        parts.append(np.outer(positions[:, a].astype(F64), freqs))
    return np.concatenate(parts, axis=1)


def qwen_angles(axes_dims, positions, theta=10000.0):
    """As angles(), but rounded like QwenEmbedRope.rope_params: float32 frequencies and products."""
    parts = []
    for a, d in enumerate(axes_dims):
        e = (np.arange(0, d, 2).astype(F32) / F32(d)).astype(F32)
        freqs = (F32(1.0) / np.power(F32(theta), e, dtype=F32)).astype(F32)
        parts.append((positions[:, a].astype(F32)[:, None] * freqs[None, :]).astype(F32).astype(F64))
    return np.concatenate(parts, axis=1)


class _Model:
    def __init__(self, config, weights):
        self.cfg = dict(config)
        self.w = {k: np.asarray(v, dtype=F64) for k, v in weights.items()}
        self.heads = self.cfg["num_attention_heads"]
        self.hd = self.cfg["attention_head_dim"]

    @classmethod
    def from_folder(cls, folder):
        with open(os.path.join(folder, "config.json")) as f:
            cfg = json.load(f)
        w, _ = st.load(os.path.join(folder, "diffusion_pytorch_model.safetensors"))
        return cls(cfg, w)

    def qkv(self, names, norms, x, norm):
        w = self.w
        out = []
        for i, n in enumerate(names):
            y = lin(w, n, x).reshape(x.shape[0], x.shape[1], self.heads, self.hd)
            if i < 2:
                y = norm(y, 1e-6, w[norms[i]])
            out.append(y)
        return out

    def joint_attention(self, p, txt, img, cos, sin, norm, key_mask=None):
        a = p + "attn."
        iq, ik, iv = self.qkv([a + "to_q", a + "to_k", a + "to_v"], [a + "norm_q.weight", a + "norm_k.weight"], img, norm)
        tq, tk, tv = self.qkv([a + "add_q_proj", a + "add_k_proj", a + "add_v_proj"],
                              [a + "norm_added_q.weight", a + "norm_added_k.weight"], txt, norm)
        q = rotate(np.concatenate([tq, iq], axis=1), cos, sin)
        k = rotate(np.concatenate([tk, ik], axis=1), cos, sin)
        v = np.concatenate([tv, iv], axis=1)
        o = attention(q, k, v, key_mask)
        L = txt.shape[1]
        return lin(self.w, a + "to_add_out", o[:, :L]), lin(self.w, a + "to_out.0", o[:, L:])

    def double_block(self, p, txt, img, temb, cos, sin, names, norm, key_mask=None):
        w = self.w
        im = chunks(lin(w, p + names[0], silu(temb)), 6)
        tm = chunks(lin(w, p + names[1], silu(temb)), 6)
        t_attn, i_attn = self.joint_attention(p, modulate(txt, tm[0], tm[1]), modulate(img, im[0], im[1]), cos, sin, norm, key_mask)
        img = img + im[2] * i_attn
        img = img + im[5] * feed_forward(w, p + names[2], modulate(img, im[3], im[4]))
        txt = txt + tm[2] * t_attn
        txt = txt + tm[5] * feed_forward(w, p + names[3], modulate(txt, tm[3], tm[4]))
        return txt, img

    def norm_out(self, x, temb):
        scale, shift = chunks(lin(self.w, "norm_out.linear", silu(temb)), 2)
        return modulate(x, shift, scale)


class FluxModel(_Model):
    """FluxTransformer2DModel: double blocks, single blocks, rope from txt_ids/img_ids."""

    def forward(self, inputs, meta=None):
        c, w = self.cfg, self.w
        hidden = inputs["hidden_states"].astype(F64)
        x = lin(w, "x_embedder", hidden)
        t = (inputs["timestep"].astype(F32) * F32(1000)).astype(F32)
        temb = mlp(w, "time_text_embed.timestep_embedder", sinusoid(t), silu)
        if c.get("guidance_embeds"):
            g = (inputs["guidance"].astype(F32) * F32(1000)).astype(F32)
            temb = temb + mlp(w, "time_text_embed.guidance_embedder", sinusoid(g), silu)
        temb = temb + mlp(w, "time_text_embed.text_embedder", inputs["pooled_projections"].astype(F64), silu)
        ctx = lin(w, "context_embedder", inputs["encoder_hidden_states"].astype(F64))
        ids = np.concatenate([inputs["txt_ids"], inputs["img_ids"]], axis=0)
        ang = angles(c.get("axes_dims_rope", [16, 56, 56]), ids)
        cos, sin = np.cos(ang), np.sin(ang)
        acts = {}
        names = ("norm1.linear", "norm1_context.linear", "ff", "ff_context")
        for i in range(c["num_layers"]):
            ctx, x = self.double_block(f"transformer_blocks.{i}.", ctx, x, temb, cos, sin, names, rms_norm)
            acts[f"act.transformer_blocks.{i}.0"], acts[f"act.transformer_blocks.{i}.1"] = ctx, x
        L = ctx.shape[1]
        for i in range(c["num_single_layers"]):
            p = f"single_transformer_blocks.{i}."
            h = np.concatenate([ctx, x], axis=1)
            shift, scale, gate = chunks(lin(w, p + "norm.linear", silu(temb)), 3)
            n = modulate(h, shift, scale)
            mlp_h = gelu_tanh(lin(w, p + "proj_mlp", n))
            a = p + "attn."
            q, k, v = self.qkv([a + "to_q", a + "to_k", a + "to_v"], [a + "norm_q.weight", a + "norm_k.weight"], n, rms_norm)
            o = attention(rotate(q, cos, sin), rotate(k, cos, sin), v)
            h = h + gate * lin(w, p + "proj_out", np.concatenate([o, mlp_h], axis=2))
            ctx, x = h[:, :L], h[:, L:]
            acts[f"act.single_transformer_blocks.{i}.0"], acts[f"act.single_transformer_blocks.{i}.1"] = ctx, x
        return lin(w, "proj_out", self.norm_out(x, temb)), acts


def diffusers_rms_norm(x, eps, weight):
    """diffusers RMSNorm in float32/float64 is torch.nn.RMSNorm up to rounding."""
    return rms_norm(x, eps, weight)


class QwenImageModel(_Model):
    """QwenImageTransformer2DModel (text-to-image): double blocks, rope from img_shapes, text mask."""

    def rope(self, img_shapes, text_len):
        """Positions of QwenEmbedRope(scale_rope=True): text first, then each image's tokens."""
        axes = self.cfg.get("axes_dims_rope", [16, 56, 56])
        m = max(max(h // 2, w_ // 2) for _, h, w_ in img_shapes)
        pos = [[m + j] * 3 for j in range(text_len)]
        for idx, (f, h, w_) in enumerate(img_shapes):
            for fi in range(f):
                for r in range(h):
                    for col in range(w_):
                        pos.append([idx + fi, r - (h - h // 2), col - (w_ - w_ // 2)])
        ang = qwen_angles(axes, np.array(pos, dtype=F64))
        return np.cos(ang), np.sin(ang)

    def forward(self, inputs, meta):
        c, w = self.cfg, self.w
        hidden = inputs["hidden_states"].astype(F64)
        enc = inputs["encoder_hidden_states"].astype(F64)
        x = lin(w, "img_in", hidden)
        ctx = lin(w, "txt_in", diffusers_rms_norm(enc, 1e-6, w["txt_norm.weight"]))
        t = inputs["timestep"].astype(F32)
        temb = mlp(w, "time_text_embed.timestep_embedder", sinusoid(t, scale=1000.0), silu)
        shapes = meta["img_shapes"]
        first = shapes[0]
        images = first if isinstance(first[0], list) else [first]
        cos, sin = self.rope(images, enc.shape[1])
        key_mask = None
        if "encoder_hidden_states_mask" in inputs:
            tm = inputs["encoder_hidden_states_mask"].astype(bool)
            key_mask = np.concatenate([tm, np.ones((tm.shape[0], x.shape[1]), dtype=bool)], axis=1)
        acts = {}
        names = ("img_mod.1", "txt_mod.1", "img_mlp", "txt_mlp")
        for i in range(c["num_layers"]):
            ctx, x = self.double_block(f"transformer_blocks.{i}.", ctx, x, temb, cos, sin, names, diffusers_rms_norm, key_mask)
            acts[f"act.transformer_blocks.{i}.0"], acts[f"act.transformer_blocks.{i}.1"] = ctx, x
        return lin(w, "proj_out", self.norm_out(x, temb)), acts
