"""Python counterpart of `./lemica bench`: one CFG sampling step of Wan2.1 T2V in PyTorch.

diffusers is not installed on the GPU machine (and nothing can be fetched there), so this file
computes diffusers' WanTransformer3DModel forward op for op in plain torch: separate to_q/to_k/to_v,
RMS q/k norm across heads, rotary applied on (cos[0::2], sin[1::2]) in float32, fp32 LayerNorms and
modulation (diffusers' _keep_in_fp32_modules), a float32 time embedder, SDPA, tanh-GELU FFN. It times
the same step the Java bench times: model forward for both CFG branches, the guidance combine and
the Euler update of float32 latents, between device synchronisations, median of --repeats after two
warm-up steps.

    python3 wan_step.py check GOLDEN_DIR          # the port against a diffusers golden (fp32, CPU)
    python3 wan_step.py bench --latent 16,21,60,104 --cfg batched --json out.json
"""
import argparse
import json
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from safetensors.torch import load_file

PRESETS = {
    "wan2.1-t2v-1.3b": dict(patch_size=[1, 2, 2], num_attention_heads=12, attention_head_dim=128, in_channels=16,
                            out_channels=16, text_dim=4096, freq_dim=256, ffn_dim=8960, num_layers=30,
                            cross_attn_norm=True, eps=1e-6, rope_max_seq_len=1024),
    "wan2.1-t2v-14b": dict(patch_size=[1, 2, 2], num_attention_heads=40, attention_head_dim=128, in_channels=16,
                           out_channels=16, text_dim=4096, freq_dim=256, ffn_dim=13824, num_layers=40,
                           cross_attn_norm=True, eps=1e-6, rope_max_seq_len=1024),
}

# diffusers keeps these in float32 whatever the model dtype
FP32_PREFIXES = ("condition_embedder.time_embedder.",)
FP32_SUFFIXES = ("scale_shift_table", "norm2.weight", "norm2.bias")


def parameter_shapes(c):
    dim = c["num_attention_heads"] * c["attention_head_dim"]
    pt, ph, pw = c["patch_size"]
    out = {
        "patch_embedding.weight": (dim, c["in_channels"], pt, ph, pw),
        "patch_embedding.bias": (dim,),
        "condition_embedder.time_embedder.linear_1.weight": (dim, c["freq_dim"]),
        "condition_embedder.time_embedder.linear_1.bias": (dim,),
        "condition_embedder.time_embedder.linear_2.weight": (dim, dim),
        "condition_embedder.time_embedder.linear_2.bias": (dim,),
        "condition_embedder.time_proj.weight": (6 * dim, dim),
        "condition_embedder.time_proj.bias": (6 * dim,),
        "condition_embedder.text_embedder.linear_1.weight": (dim, c["text_dim"]),
        "condition_embedder.text_embedder.linear_1.bias": (dim,),
        "condition_embedder.text_embedder.linear_2.weight": (dim, dim),
        "condition_embedder.text_embedder.linear_2.bias": (dim,),
        "scale_shift_table": (1, 2, dim),
        "proj_out.weight": (c["out_channels"] * pt * ph * pw, dim),
        "proj_out.bias": (c["out_channels"] * pt * ph * pw,),
    }
    for i in range(c["num_layers"]):
        p = f"blocks.{i}."
        for a in ("attn1", "attn2"):
            for n in ("to_q", "to_k", "to_v", "to_out.0"):
                out[p + f"{a}.{n}.weight"] = (dim, dim)
                out[p + f"{a}.{n}.bias"] = (dim,)
            out[p + f"{a}.norm_q.weight"] = (dim,)
            out[p + f"{a}.norm_k.weight"] = (dim,)
        if c["cross_attn_norm"]:
            out[p + "norm2.weight"] = (dim,)
            out[p + "norm2.bias"] = (dim,)
        out[p + "ffn.net.0.proj.weight"] = (c["ffn_dim"], dim)
        out[p + "ffn.net.0.proj.bias"] = (c["ffn_dim"],)
        out[p + "ffn.net.2.weight"] = (dim, c["ffn_dim"])
        out[p + "ffn.net.2.bias"] = (dim,)
        out[p + "scale_shift_table"] = (1, 6, dim)
    return out


def keeps_fp32(name):
    return name.startswith(FP32_PREFIXES) or name.endswith(FP32_SUFFIXES)


def random_weights(c, device, dtype, seed=0):
    g = torch.Generator(device=device).manual_seed(seed)
    w = {}
    for name, shape in parameter_shapes(c).items():
        fan_in = math.prod(shape[1:]) if len(shape) > 1 else shape[0]
        t = torch.randn(shape, generator=g, device=device, dtype=torch.float32) / math.sqrt(fan_in)
        if "norm" in name and name.endswith("weight"):
            t = 1 + 0.1 * t
        w[name] = t.to(torch.float32 if keeps_fp32(name) else dtype)
    return w


class Wan:
    def __init__(self, c, w):
        self.c, self.w = c, w
        self.heads = c["num_attention_heads"]
        self.hd = c["attention_head_dim"]
        self.dim = self.heads * self.hd
        self.eps = c["eps"]
        device = next(iter(w.values())).device
        # WanRotaryPosEmbed: per-axis tables built in float64, stored as float32
        hw = 2 * (self.hd // 6)
        self.split = [self.hd - 2 * hw, hw, hw]
        pos = torch.arange(c["rope_max_seq_len"], dtype=torch.float64)
        cos, sin = [], []
        for d in self.split:
            freqs = 1.0 / 10000.0 ** (torch.arange(0, d, 2, dtype=torch.float64)[: d // 2] / d)
            ang = torch.outer(pos, freqs)
            cos.append(ang.cos().repeat_interleave(2, dim=1))
            sin.append(ang.sin().repeat_interleave(2, dim=1))
        self.freqs_cos = torch.cat(cos, 1).float().to(device)
        self.freqs_sin = torch.cat(sin, 1).float().to(device)

    def linear(self, name, x):
        return F.linear(x, self.w[name + ".weight"], self.w[name + ".bias"])

    def rope(self, f, h, w):
        out = []
        for table in (self.freqs_cos, self.freqs_sin):
            parts = table.split(self.split, dim=1)
            pf = parts[0][:f].view(f, 1, 1, -1).expand(f, h, w, -1)
            ph = parts[1][:h].view(1, h, 1, -1).expand(f, h, w, -1)
            pw = parts[2][:w].view(1, 1, w, -1).expand(f, h, w, -1)
            out.append(torch.cat([pf, ph, pw], dim=-1).reshape(1, f * h * w, 1, -1))
        return out

    @staticmethod
    def apply_rotary(x, cos, sin):
        x1, x2 = x.unflatten(-1, (-1, 2)).unbind(-1)
        c = cos[..., 0::2]
        s = sin[..., 1::2]
        out = torch.empty_like(x)
        out[..., 0::2] = x1 * c - x2 * s
        out[..., 1::2] = x1 * s + x2 * c
        return out.type_as(x)

    def attention(self, p, x, context, rope):
        kv = x if context is None else context
        q = self.linear(p + ".to_q", x)
        k = self.linear(p + ".to_k", kv)
        v = self.linear(p + ".to_v", kv)
        q = F.rms_norm(q, (self.dim,), self.w[p + ".norm_q.weight"], self.eps)
        k = F.rms_norm(k, (self.dim,), self.w[p + ".norm_k.weight"], self.eps)
        q, k, v = (t.unflatten(2, (self.heads, -1)) for t in (q, k, v))
        if rope is not None:
            q = self.apply_rotary(q, *rope)
            k = self.apply_rotary(k, *rope)
        o = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2))
        o = o.transpose(1, 2).flatten(2, 3).type_as(q)
        return self.linear(p + ".to_out.0", o)

    def block(self, i, x, context, tproj, rope):
        p = f"blocks.{i}"
        w = self.w
        shift, scale, gate, c_shift, c_scale, c_gate = (w[p + ".scale_shift_table"] + tproj.float()).chunk(6, dim=1)
        n = (F.layer_norm(x.float(), (self.dim,), eps=self.eps) * (1 + scale) + shift).type_as(x)
        x = (x.float() + self.attention(p + ".attn1", n, None, rope) * gate).type_as(x)
        if self.c["cross_attn_norm"]:
            n = F.layer_norm(x.float(), (self.dim,), w[p + ".norm2.weight"], w[p + ".norm2.bias"], self.eps).type_as(x)
        else:
            n = x
        x = x + self.attention(p + ".attn2", n, context, None)
        n = (F.layer_norm(x.float(), (self.dim,), eps=self.eps) * (1 + c_scale) + c_shift).type_as(x)
        ff = self.linear(p + ".ffn.net.2", F.gelu(self.linear(p + ".ffn.net.0.proj", n), approximate="tanh"))
        return (x.float() + ff.float() * c_gate).type_as(x)

    def timesteps(self, t):
        half = self.c["freq_dim"] // 2
        exponent = -math.log(10000.0) * torch.arange(0, half, dtype=torch.float32, device=t.device) / half
        args = t[:, None].float() * torch.exp(exponent)[None, :]
        return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)

    def forward(self, video, t, text, acts=None):
        dtype = self.w["patch_embedding.weight"].dtype
        video = video.to(dtype)
        text = text.to(dtype)
        b = video.shape[0]
        pt, ph, pw = self.c["patch_size"]
        f, h, w = video.shape[2] // pt, video.shape[3] // ph, video.shape[4] // pw
        rope = self.rope(f, h, w)
        x = F.conv3d(video, self.w["patch_embedding.weight"], self.w["patch_embedding.bias"], stride=(pt, ph, pw))
        x = x.flatten(2).transpose(1, 2)
        e = "condition_embedder."
        temb = self.linear(e + "time_embedder.linear_2", F.silu(self.linear(e + "time_embedder.linear_1", self.timesteps(t))))
        temb = temb.type_as(text)
        tproj = self.linear(e + "time_proj", F.silu(temb)).unflatten(1, (6, -1))
        context = self.linear(e + "text_embedder.linear_2", F.gelu(self.linear(e + "text_embedder.linear_1", text), approximate="tanh"))
        for i in range(self.c["num_layers"]):
            x = self.block(i, x, context, tproj, rope)
            if acts is not None:
                acts.append(x)
        shift, scale = (self.w["scale_shift_table"] + temb.unsqueeze(1)).chunk(2, dim=1)
        x = (F.layer_norm(x.float(), (self.dim,), eps=self.eps) * (1 + scale) + shift).type_as(x)
        x = self.linear("proj_out", x)
        x = x.reshape(b, f, h, w, pt, ph, pw, -1).permute(0, 7, 1, 4, 2, 5, 3, 6)
        return x.flatten(6, 7).flatten(4, 5).flatten(2, 3)


def rel_l2(a, b):
    a, b = a.double(), b.double()
    return ((a - b).norm() / b.norm()).item()


def check(folder):
    """fp32 CPU forward against the diffusers golden: output and every block within 1e-5 relative L2."""
    with open(f"{folder}/config.json") as fh:
        c = json.load(fh)
    w = {k: v.float() for k, v in load_file(f"{folder}/diffusion_pytorch_model.safetensors").items()}
    io = load_file(f"{folder}/io.safetensors")
    acts = []
    with torch.inference_mode():
        out = Wan(c, w).forward(io["in.hidden_states"], io["in.timestep"].reshape(-1), io["in.encoder_hidden_states"], acts)
    errors = {"out.sample": rel_l2(out, io["out.sample"])}
    errors.update({f"act.blocks.{i}": rel_l2(a, io[f"act.blocks.{i}"]) for i, a in enumerate(acts)})
    worst = max(errors.values())
    print(f"python port vs diffusers golden {folder}: worst relative L2 {worst:.2e} "
          f"({', '.join(f'{k} {v:.1e}' for k, v in errors.items())})")
    return 0 if worst < 1e-5 else 1


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def bench(args):
    device = torch.device(args.device)
    dtype = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}[args.dtype]
    c = PRESETS[args.preset]
    latent = [int(v) for v in args.latent.split(",")]
    pt, ph, pw = c["patch_size"]
    tokens = latent[1] // pt * (latent[2] // ph) * (latent[3] // pw)
    torch.manual_seed(0)
    with torch.inference_mode():
        model = Wan(c, random_weights(c, device, dtype))
        n = 8192 if device.type == "cuda" else 1024
        a = torch.randn(n, n, device=device, dtype=dtype)
        bm = torch.randn(n, n, device=device, dtype=dtype)
        times = []
        for i in range(args.repeats + 2):
            sync(device)
            t0 = time.perf_counter()
            a @ bm
            sync(device)
            if i >= 2:
                times.append(time.perf_counter() - t0)
        peak = 2.0 * n ** 3 / statistics.median(times)
        del a, bm

        cond = torch.randn(1, args.text_tokens, c["text_dim"], device=device, dtype=dtype)
        uncond = torch.randn(1, args.text_tokens, c["text_dim"], device=device, dtype=dtype)
        both = torch.cat([uncond, cond])
        x = torch.randn([1] + latent, device=device, dtype=torch.float32)
        sigmas = [1 - i / 50 for i in range(51)]
        guidance = 5.0

        def step(i):
            t = torch.full((1,), sigmas[i] * 1000.0, device=device)
            if args.cfg == "batched":
                v = model.forward(torch.cat([x, x]), t.expand(2), both)
                vu, vc = v.chunk(2)
            else:  # diffusers' WanPipeline: one transformer call per branch
                vc = model.forward(x, t, cond)
                vu = model.forward(x, t, uncond)
            v = vu + guidance * (vc - vu)
            x.add_(v.float(), alpha=sigmas[i + 1] - sigmas[i])

        steps = []
        for i in range(args.repeats + 2):
            sync(device)
            t0 = time.perf_counter()
            step(i)
            sync(device)
            if i >= 2:
                steps.append((time.perf_counter() - t0) * 1e3)
        full = statistics.median(steps)
        memory = torch.cuda.max_memory_allocated(device) if device.type == "cuda" else 0
    dim = c["num_attention_heads"] * c["attention_head_dim"]
    result = dict(preset=args.preset, device=str(device), dtype=args.dtype, cfg=args.cfg, latent=latent,
                  tokens=tokens, torch=torch.__version__, matmul_peak_flops=peak, full_step_ms=full,
                  step_ms=steps, max_memory_allocated_bytes=memory, dim=dim)
    print(f"python torch {torch.__version__} {args.preset} on {device}/{args.dtype}, latent {latent} ({tokens} tokens), "
          f"CFG {args.cfg}: full CFG step {full:.2f} ms (steps {', '.join(f'{s:.1f}' for s in steps)}); "
          f"matmul peak {peak / 1e12:.1f} TFLOP/s; peak memory {memory / 2**30:.2f} GiB")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=1)
    return 0


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="compare the port with a diffusers golden folder (fp32, CPU)")
    c.add_argument("folder")
    b = sub.add_parser("bench", help="time one CFG step with random weights")
    b.add_argument("--preset", default="wan2.1-t2v-1.3b", choices=sorted(PRESETS))
    b.add_argument("--latent", default="16,21,60,104", help="C,F,H,W (default 480p x 81 frames)")
    b.add_argument("--text-tokens", type=int, default=512)
    b.add_argument("--cfg", default="batched", choices=["batched", "separate"])
    b.add_argument("--device", default="cuda")
    b.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float16", "float32"])
    b.add_argument("--repeats", type=int, default=5)
    b.add_argument("--json")
    args = p.parse_args(argv)
    return check(args.folder) if args.command == "check" else bench(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
