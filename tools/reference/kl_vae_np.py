"""Float64 NumPy reference of diffusers' AutoencoderKL (the 2D VAE of SD, FLUX.1 and Latte).

Written from the module semantics (golden/flux_vae and golden/sd_vae meta.json notes), not from the
Java port, and with no chunking: a video's frames are decoded all at once as one image batch, so a
port's frame chunking, batch-major order and output assembly are checked, not shared.

* ResnetBlock2D: conv2(silu(gn2(conv1(silu(gn1(x)))))) + shortcut(x), GroupNorm eps 1e-6;
* mid block: resnet, [attention: GroupNorm, q/k/v Linear over H*W row-major tokens, one head,
  softmax(q k^T / sqrt(C)) v, to_out.0, + x], resnet;
* Downsample2D: zero pad (0,1,0,1), 3x3 conv stride 2; Upsample2D: 2x pixel duplication, 3x3 conv;
* checkpoints may use the pre-0.14 attention names query/key/value/proj_attn (diffusers renames them).

    model = KlVae.from_folder(dir)
    images = model.decode(raw)           # (N, z, h, w) -> (N, out, 8h, 8w), not clamped
    mean, logvar = model.encode(images)
"""
import math

import numpy as np

from folder_model_np import FolderModel

LEGACY = {"to_q": "query", "to_k": "key", "to_v": "value", "to_out.0": "proj_attn"}


def conv2d(x, w, b, pad=(1, 1, 1, 1), stride=1):
    """x (N,C,H,W), w (O,C,kh,kw); pad = (top, bottom, left, right) zeros."""
    x = np.pad(x, ((0, 0), (0, 0), pad[0:2], pad[2:4]))
    o, c, kh, kw = w.shape
    _, _, h, wd = x.shape
    ho, wo = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((x.shape[0], o, ho, wo))
    for i in range(kh):
        for j in range(kw):
            patch = x[:, :, i:i + stride * (ho - 1) + 1:stride, j:j + stride * (wo - 1) + 1:stride]
            out += np.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
    return out + b[None, :, None, None]


def group_norm(x, groups, weight, bias, eps=1e-6):
    n, c = x.shape[:2]
    g = x.reshape(n, groups, -1)
    mean = g.mean(axis=2, keepdims=True)
    var = ((g - mean) ** 2).mean(axis=2, keepdims=True)
    y = ((g - mean) / np.sqrt(var + eps)).reshape(x.shape)
    return y * weight[None, :, None, None] + bias[None, :, None, None]


def silu(x):
    return x / (1.0 + np.exp(-x))


class KlVae(FolderModel):
    def __init__(self, cfg, weights):
        super().__init__(cfg, weights)
        self.ch = cfg.get("block_out_channels", [64])
        self.layers = cfg.get("layers_per_block", 1)
        self.groups = cfg.get("norm_num_groups", 32)
        self.z = cfg.get("latent_channels", 4)
        self.scaling = cfg.get("scaling_factor", 0.18215)
        self.shift = cfg.get("shift_factor")
        self.quant = cfg.get("use_quant_conv", True)
        self.post_quant = cfg.get("use_post_quant_conv", True)
        self.attn = cfg.get("mid_block_add_attention", True)
        assert cfg.get("act_fn", "silu") in ("silu", "swish")

    def conv(self, x, prefix, pad=(1, 1, 1, 1), stride=1):
        return conv2d(x, self.w(prefix + ".weight"), self.w(prefix + ".bias"), pad, stride)

    def gn(self, x, prefix):
        return group_norm(x, self.groups, self.w(prefix + ".weight"), self.w(prefix + ".bias"))

    def resnet(self, x, prefix):
        y = self.conv(silu(self.gn(x, prefix + ".norm1")), prefix + ".conv1")
        y = self.conv(silu(self.gn(y, prefix + ".norm2")), prefix + ".conv2")
        if prefix + ".conv_shortcut.weight" in self.W:
            x = self.conv(x, prefix + ".conv_shortcut", (0, 0, 0, 0))
        return x + y

    def linear(self, x, prefix, name):
        if prefix + "." + name + ".weight" not in self.W:
            name = LEGACY[name]
        return x @ self.w(f"{prefix}.{name}.weight").T + self.w(f"{prefix}.{name}.bias")

    def attention(self, x, prefix):
        n, c, h, wd = x.shape
        t = self.gn(x, prefix + ".group_norm").reshape(n, c, h * wd).transpose(0, 2, 1)
        q, k, v = (self.linear(t, prefix, name) for name in ("to_q", "to_k", "to_v"))
        s = q @ k.transpose(0, 2, 1) / math.sqrt(c)
        s = np.exp(s - s.max(axis=-1, keepdims=True))
        a = (s / s.sum(axis=-1, keepdims=True)) @ v
        a = self.linear(a, prefix, "to_out.0")
        return a.transpose(0, 2, 1).reshape(n, c, h, wd) + x

    def mid(self, x, prefix, acts, tag):
        x = self.resnet(x, prefix + ".resnets.0")
        if self.attn:
            x = self.attention(x, prefix + ".attentions.0")
            acts[tag + ".mid_block.attentions.0"] = x
        x = self.resnet(x, prefix + ".resnets.1")
        acts[tag + ".mid_block"] = x
        return x

    def decode(self, raw, acts=None):
        acts = {} if acts is None else acts
        x = raw.astype(np.float64)
        if self.post_quant:
            x = self.conv(x, "post_quant_conv", (0, 0, 0, 0))
            acts["post_quant_conv"] = x
        x = self.conv(x, "decoder.conv_in")
        acts["decoder.conv_in"] = x
        x = self.mid(x, "decoder.mid_block", acts, "decoder")
        levels = len(self.ch)
        for i in range(levels):
            p = f"decoder.up_blocks.{i}"
            for k in range(self.layers + 1):
                x = self.resnet(x, f"{p}.resnets.{k}")
            if i != levels - 1:
                x = self.conv(x.repeat(2, axis=2).repeat(2, axis=3), f"{p}.upsamplers.0.conv")
            acts[f"decoder.up_blocks.{i}"] = x
        x = self.gn(x, "decoder.conv_norm_out")
        acts["decoder.conv_norm_out"] = x
        return self.conv(silu(x), "decoder.conv_out")

    def encode(self, images, acts=None):
        acts = {} if acts is None else acts
        x = self.conv(images.astype(np.float64), "encoder.conv_in")
        acts["encoder.conv_in"] = x
        levels = len(self.ch)
        for i in range(levels):
            p = f"encoder.down_blocks.{i}"
            for k in range(self.layers):
                x = self.resnet(x, f"{p}.resnets.{k}")
            if i != levels - 1:
                x = self.conv(x, f"{p}.downsamplers.0.conv", (0, 1, 0, 1), 2)
            acts[f"encoder.down_blocks.{i}"] = x
        x = self.mid(x, "encoder.mid_block", acts, "encoder")
        x = self.conv(silu(self.gn(x, "encoder.conv_norm_out")), "encoder.conv_out")
        acts["encoder.conv_out"] = x
        if self.quant:
            x = self.conv(x, "quant_conv", (0, 0, 0, 0))
            acts["quant_conv"] = x
        return x[:, :self.z], np.clip(x[:, self.z:], -30.0, 20.0)

    # --- the pipelines, in float32 as they run -------------------------------------------------
    def denormalize(self, latents):
        """FluxPipeline: latents / scaling + shift; LattePipeline: 1 / scaling * latents."""
        f32 = np.float32
        x = latents.astype(f32)
        if self.shift is not None:
            return (x / f32(self.scaling) + f32(self.shift)).astype(f32)
        return (f32(1.0 / self.scaling) * x).astype(f32)

    def decode_video(self, raw, acts=None):
        """(B, z, F, h, w) -> (B, out, F, H, W), every frame an image (no chunks)."""
        b, z, f, h, w = raw.shape
        images = self.decode(raw.transpose(0, 2, 1, 3, 4).reshape(b * f, z, h, w), acts)
        return images.reshape(b, f, *images.shape[1:]).transpose(0, 2, 1, 3, 4)

    def encode_video(self, video, acts=None):
        b, c, f, h, w = video.shape
        mean, logvar = self.encode(video.transpose(0, 2, 1, 3, 4).reshape(b * f, c, h, w), acts)
        back = lambda t: t.reshape(b, f, *t.shape[1:]).transpose(0, 2, 1, 3, 4)
        return back(mean), back(logvar)


def pack(latents):
    """FluxPipeline._pack_latents: (B, C, h, w) -> (B, h/2 * w/2, 4C)."""
    b, c, h, w = latents.shape
    return latents.reshape(b, c, h // 2, 2, w // 2, 2).transpose(0, 2, 4, 1, 3, 5).reshape(b, (h // 2) * (w // 2), 4 * c)


def to_unit(x, channel_axis=1):
    """VaeImageProcessor / VideoProcessor postprocess (np): (x/2 + 0.5).clamp(0, 1), channels last."""
    y = np.clip(x * 0.5 + 0.5, 0.0, 1.0)
    return np.moveaxis(y, channel_axis, -1)
