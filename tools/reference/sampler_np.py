"""Flow-matching Euler sampler with classifier-free guidance and a static-schedule residual cache.

    s_k     = linspace(1, 0, steps+1)[k]
    sigma_k = shift * s_k / (1 + (shift - 1) * s_k)
    t_k     = sigma_k * 1000
    v       = v_u + g * (v_c - v_u)            (v_c: conditional, v_u: unconditional branch)
    x      += (sigma_{k+1} - sigma_k) * v       (velocity v = noise - x0)

Residual cache (a "static schedule"): `computed` is the set of step indices at which the
transformer block stack runs. At every step the patch embedding, the condition embedder
and the output head run; at a step not in `computed`, the block stack is replaced by
    h_after = h_before + R_branch
where R_branch = h_after - h_before of the last computed step of THAT CFG branch (the
cond and uncond branches each keep their own residual). Step 0 must be computed.
"""
import numpy as np

F64 = np.float64


def flow_sigmas(steps, shift, dtype=F64):
    """steps+1 sigmas from 1 to 0 (last one 0). dtype=np.float32 reproduces float32 pipelines."""
    s = np.linspace(1.0, 0.0, steps + 1)
    sig = shift * s / (1.0 + (shift - 1.0) * s)
    return sig.astype(dtype)


def _velocity(model, x, t, ctx, cache, key, compute):
    h, state = model.prepare(x, np.full((x.shape[0],), t), ctx)
    if compute:
        h_after = model.run_blocks(h, state)
        cache[key] = h_after - h
    else:
        if key not in cache:
            raise ValueError("the first step must be a computed step")
        h_after = h + cache[key]
    return model.head(h_after, state)


def sample(model, noise, cond, uncond, sigmas, guidance, computed=None, timestep_fp32=True,
           callback=None):
    """Run the Euler loop; returns the final x (in the model's dtype, float64 by default).

    model    : wan_np.WanModel
    noise    : initial x at sigma_0 = 1, (B, C, F, H, W)
    cond     : (B, L, text_dim) conditional text states; uncond: same shape (or None: no CFG)
    sigmas   : len steps+1 array (use the float32 values when matching float32 goldens)
    computed : iterable of step indices where the block stack runs (None = every step)
    timestep_fp32 : timestep = float32(sigma) * 1000 rounded to float32 (as a float32
               pipeline does); False: float64 sigma*1000.
    """
    sig = np.asarray(sigmas)
    steps = len(sig) - 1
    comp = set(range(steps)) if computed is None else set(int(i) for i in computed)
    if 0 not in comp:
        raise ValueError("step 0 must be computed")
    x = np.asarray(noise, dtype=getattr(model, "dtype", F64)).copy()
    cache = {}
    for i in range(steps):
        if timestep_fp32:
            t = float(np.float32(sig[i]) * np.float32(1000.0))
        else:
            t = float(sig[i]) * 1000.0
        do = i in comp
        v_c = _velocity(model, x, t, cond, cache, "cond", do)
        if uncond is not None and guidance is not None:
            v_u = _velocity(model, x, t, uncond, cache, "uncond", do)
            v = v_u + guidance * (v_c - v_u)
        else:
            v = v_c
        dt = float(sig[i + 1]) - float(sig[i])
        x = x + dt * v
        if callback is not None:
            callback(i, x)
    return x
