"""Float64 NumPy reference of diffusers' AutoencoderKLWan (Wan2.1 VAE), written without its chunk loop.

diffusers decodes one latent frame at a time (and encodes frame 0, then 4 frames at a time) with a
per-layer feature cache. This module computes the same function over the WHOLE sequence at once, from
the causal semantics that chunking is built to reproduce (golden/wan_vae meta.json,
procedure.full_sequence_equivalent):

* every causal 3D conv with temporal padding p: 2p zero frames in front, none behind, one conv over
  all frames;
* upsample3d: y = [x_0] + interleave(time_conv(2 zero frames + x_1..x_{T-1})): frame 0 skips the time
  conv and is not history for frame 1 (diffusers' 'Rep' first-chunk quirk); then per frame 2x
  nearest upsampling and a 3x3 Conv2d;
* downsample3d: s = per frame ZeroPad(0,1,0,1) + 3x3 Conv2d stride 2, then y = [s_0] +
  conv3d(k=3, stride 2, no padding)(s_0..s_{F-1});
* attention per frame; the decoder's output clamped to [-1, 1].

So a port that matches this on a config of its own has the cache right without sharing its logic.

    model = WanVae.from_folder(dir)      # config.json + diffusion_pytorch_model.safetensors
    video = model.decode(raw_latents)    # (B, out, 1 + tf(T-1), sf*h, sf*w), clamped
    mean, logvar = model.encode(video)
"""
import math

import numpy as np

from folder_model_np import FolderModel

WAN21_MEAN = [-0.7571, -0.7089, -0.9113, 0.1075, -0.1745, 0.9653, -0.1517, 1.5508,
              0.4134, -0.0715, 0.5517, -0.3632, -0.1922, -0.9497, 0.2503, -0.2921]
WAN21_STD = [2.8184, 1.4541, 2.3275, 2.6558, 1.2196, 1.7708, 2.6052, 2.0743,
             3.2687, 2.1526, 2.8652, 1.5579, 1.6382, 1.1253, 2.8251, 1.9160]


def conv3d(x, w, b, pad=(0, 0, 0, 0, 0, 0), stride=(1, 1, 1)):
    """x (B,C,T,H,W), w (O,C,kt,kh,kw); pad = (t_front, t_back, h0, h1, w0, w1) zeros."""
    x = np.pad(x, ((0, 0), (0, 0), pad[0:2], pad[2:4], pad[4:6]))
    o, c, kt, kh, kw = w.shape
    st_, sh, sw = stride
    _, _, t, h, wd = x.shape
    to, ho, wo = (t - kt) // st_ + 1, (h - kh) // sh + 1, (wd - kw) // sw + 1
    out = np.zeros((x.shape[0], o, to, ho, wo))
    for a in range(kt):
        for i in range(kh):
            for j in range(kw):
                patch = x[:, :, a:a + st_ * (to - 1) + 1:st_, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw]
                out += np.einsum("bcthw,oc->bothw", patch, w[:, :, a, i, j])
    return out + b[None, :, None, None, None]


def causal(x, w, b, p):
    """WanCausalConv3d over a whole sequence: (p_t, p_h, p_w) -> 2p_t zero frames in front."""
    pt, ph, pw = p
    return conv3d(x, w, b, (2 * pt, 0, ph, ph, pw, pw))


def conv2d_frames(x, w, b, pad, stride):
    """A Conv2d on every frame; pad = (h0, h1, w0, w1)."""
    return conv3d(x, w[:, :, None], b, (0, 0) + tuple(pad), (1, stride, stride))


def rms(x, gamma):
    norm = np.maximum(np.sqrt((x * x).sum(axis=1, keepdims=True)), 1e-12)
    g = gamma.reshape((-1,) + (1,) * (x.ndim - 2))
    return x / norm * math.sqrt(x.shape[1]) * g


def silu(x):
    return x / (1.0 + np.exp(-x))


class WanVae(FolderModel):
    def __init__(self, cfg, weights):
        super().__init__(cfg, weights)
        self.base = cfg.get("base_dim", 96)
        self.dec_base = cfg.get("decoder_base_dim") or self.base
        self.z = cfg.get("z_dim", 16)
        self.mult = cfg.get("dim_mult", [1, 2, 4, 4])
        self.nres = cfg.get("num_res_blocks", 2)
        self.tdown = cfg.get("temperal_downsample", [False, True, True])
        self.mean = np.array(cfg.get("latents_mean", WAN21_MEAN), dtype=np.float32)
        self.std = np.array(cfg.get("latents_std", WAN21_STD), dtype=np.float32)
        assert not cfg.get("attn_scales"), "attn_scales must be []"
        assert not cfg.get("is_residual") and cfg.get("patch_size") is None

    # --- layers -------------------------------------------------------------------------------
    def cconv(self, x, prefix, p):
        return causal(x, self.w(prefix + ".weight"), self.w(prefix + ".bias"), p)

    def resblock(self, x, prefix):
        h = self.cconv(x, prefix + ".conv_shortcut", (0, 0, 0)) if prefix + ".conv_shortcut.weight" in self.W else x
        y = self.cconv(silu(rms(x, self.w(prefix + ".norm1.gamma"))), prefix + ".conv1", (1, 1, 1))
        y = self.cconv(silu(rms(y, self.w(prefix + ".norm2.gamma"))), prefix + ".conv2", (1, 1, 1))
        return y + h

    def attention(self, x, prefix):
        b, c, t, hh, ww = x.shape
        n = rms(x, self.w(prefix + ".norm.gamma"))
        qkv = conv2d_frames(n, self.w(prefix + ".to_qkv.weight"), self.w(prefix + ".to_qkv.bias"), (0, 0, 0, 0), 1)
        tokens = qkv.transpose(0, 2, 3, 4, 1).reshape(b, t, hh * ww, 3 * c)
        q, k, v = tokens[..., :c], tokens[..., c:2 * c], tokens[..., 2 * c:]
        s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(c)
        s = np.exp(s - s.max(axis=-1, keepdims=True))
        a = (s / s.sum(axis=-1, keepdims=True)) @ v  # (b, t, hw, c)
        a = a.reshape(b, t, hh, ww, c).transpose(0, 4, 1, 2, 3)
        y = conv2d_frames(a, self.w(prefix + ".proj.weight"), self.w(prefix + ".proj.bias"), (0, 0, 0, 0), 1)
        return y + x

    def mid(self, x, prefix):
        x = self.resblock(x, prefix + ".resnets.0")
        x = self.attention(x, prefix + ".attentions.0")
        return self.resblock(x, prefix + ".resnets.1")

    def upsample(self, x, prefix, temporal):
        if temporal and x.shape[2] > 1:
            rest = self.cconv(x[:, :, 1:], prefix + ".time_conv", (1, 0, 0))  # (b, 2c, T-1, h, w)
            b, c2, t1, hh, ww = rest.shape
            c = c2 // 2
            inter = rest.reshape(b, 2, c, t1, hh, ww).transpose(0, 2, 3, 1, 4, 5).reshape(b, c, 2 * t1, hh, ww)
            x = np.concatenate([x[:, :, :1], inter], axis=2)
        elif temporal:
            self.w(prefix + ".time_conv.weight"), self.w(prefix + ".time_conv.bias")
        x = x.repeat(2, axis=3).repeat(2, axis=4)
        return conv2d_frames(x, self.w(prefix + ".resample.1.weight"), self.w(prefix + ".resample.1.bias"), (1, 1, 1, 1), 1)

    def downsample(self, x, prefix, temporal):
        s = conv2d_frames(x, self.w(prefix + ".resample.1.weight"), self.w(prefix + ".resample.1.bias"), (0, 1, 0, 1), 2)
        if not temporal:
            return s
        w, b = self.w(prefix + ".time_conv.weight"), self.w(prefix + ".time_conv.bias")
        if s.shape[2] < 3:
            return s[:, :, :1]
        return np.concatenate([s[:, :, :1], conv3d(s, w, b, stride=(2, 1, 1))], axis=2)

    # --- model ----------------------------------------------------------------------------------
    def denormalize(self, latents):
        """WanPipeline in float32: latents / (1 / std) + mean."""
        f32 = np.float32
        recip = (f32(1.0) / self.std).astype(f32).reshape(1, -1, 1, 1, 1)
        return (latents.astype(f32) / recip + self.mean.reshape(1, -1, 1, 1, 1)).astype(f32)

    def decode(self, raw, acts=None):
        x = self.cconv(raw.astype(np.float64), "post_quant_conv", (0, 0, 0))
        x = self.cconv(x, "decoder.conv_in", (1, 1, 1))
        x = self.mid(x, "decoder.mid_block")
        tup = self.tdown[::-1]
        levels = len(self.mult)
        for i in range(levels):
            p = f"decoder.up_blocks.{i}"
            for k in range(self.nres + 1):
                x = self.resblock(x, f"{p}.resnets.{k}")
            if i != levels - 1:
                x = self.upsample(x, f"{p}.upsamplers.0", tup[i])
            if acts is not None:
                acts[f"up_blocks.{i}"] = x
        x = self.cconv(silu(rms(x, self.w("decoder.norm_out.gamma"))), "decoder.conv_out", (1, 1, 1))
        return np.clip(x, -1.0, 1.0)

    def encode(self, video):
        f = video.shape[2]
        assert (f - 1) % 4 == 0, "1 + 4k frames"
        x = self.cconv(video.astype(np.float64), "encoder.conv_in", (1, 1, 1))
        j = 0
        levels = len(self.mult)
        for i in range(levels):
            for _ in range(self.nres):
                x = self.resblock(x, f"encoder.down_blocks.{j}")
                j += 1
            if i != levels - 1:
                x = self.downsample(x, f"encoder.down_blocks.{j}", self.tdown[i])
                j += 1
        x = self.mid(x, "encoder.mid_block")
        x = self.cconv(silu(rms(x, self.w("encoder.norm_out.gamma"))), "encoder.conv_out", (1, 1, 1))
        moments = self.cconv(x, "quant_conv", (0, 0, 0))
        return moments[:, :self.z], np.clip(moments[:, self.z:], -30.0, 20.0)


def frames(sample):
    """VideoProcessor.postprocess_video(output_type='np'): (B,C,F,H,W) -> (B,F,H,W,C) in [0, 1]."""
    return np.clip(sample * 0.5 + 0.5, 0.0, 1.0).transpose(0, 2, 3, 4, 1)
