"""UniPC multistep sampling with flow sigmas (the Wan2.1 sampler) in float64 NumPy.

Written from the UniPC paper's B(h) formulation (Zhao et al., 2023) as diffusers' scheduler applies
it: at every step i >= 1 the UniC corrector of order p_{i-1} refines the sample the previous
predictor produced, using the new model output; then the UniP predictor of order p_i steps on.

    flow sigmas:  alpha = 1 - sigma,  lambda = log(alpha) - log(sigma)
    x0 form:      m = x0 prediction (flow: x - sigma * v),  hh = -h
    noise form:   m = epsilon prediction,                   hh = +h
    h = lambda_t - lambda_s,  B(h) = hh (bh1) or e^hh - 1 (bh2)
    g_1 = (e^hh - 1)/hh - 1,  g_{k+1} = g_k/hh - 1/(k+1)!,  b_k = k! g_k / B(h)
    r_k = (lambda_{s-k} - lambda_s)/h,  D_k = (m_{s-k} - m_s)/r_k,  R[j][k] = r_k^j
    x0 form:    x_t = (sigma_t/sigma_s) x - alpha_t (e^hh - 1) m_s - alpha_t B(h) * residual
    noise form: x_t = (alpha_t/alpha_s) x - sigma_t (e^hh - 1) m_s - sigma_t B(h) * residual
    predictor residual = sum_k a_k D_k,   a = [1/2] (order 2) or R[:-1,:-1]^-1 b[:-1] (order >= 3)
    corrector residual = sum_k c_k D_k + c_p (m_t - m_s),  c = [1/2] (order 1) or R^-1 b

Schedule (set_timesteps without sigmas): s = linspace(1, 1/T, N+1)[:-1], shifted
flow_shift*s/(1+(flow_shift-1)*s), first sigma lowered by 1e-6 when it is within 1e-6 of 1,
timesteps = int64(s*T) (truncation), final sigma 0 ('zero') or s[-1] ('sigma_min'), sigmas float32.
The solver runs on the float32 sigmas (as float64 numbers); everything else is float64.
"""
import numpy as np

F64 = np.float64


def schedule(steps, flow_shift, final_sigmas_type="zero", train=1000, sigmas=None):
    """sigmas: what a pipeline passes to set_timesteps (else the linspace from 1)."""
    s = np.array(sigmas, dtype=F64) if sigmas is not None else np.linspace(1.0, 1.0 / train, steps + 1)[:-1]
    s = flow_shift * s / (1.0 + (flow_shift - 1.0) * s)
    if abs(s[0] - 1.0) < 1e-6:
        s[0] -= 1e-6
    timesteps = (s * train).astype(np.int64)
    last = 0.0 if final_sigmas_type == "zero" else s[-1]
    sigmas = np.concatenate([s, [last]]).astype(np.float32)
    return timesteps, sigmas


def _to_model_space(prediction_type, predict_x0, out, x, alpha, sigma):
    if predict_x0:
        return {
            "flow_prediction": lambda: x - sigma * out,
            "epsilon": lambda: (x - sigma * out) / alpha,
            "sample": lambda: out,
            "v_prediction": lambda: alpha * x - sigma * out,
        }[prediction_type]()
    return {
        "epsilon": lambda: out,
        "sample": lambda: (x - alpha * out) / sigma,
        "v_prediction": lambda: alpha * out + sigma * x,
    }[prediction_type]()


class UniPC:
    def __init__(self, steps, flow_shift, solver_order=2, solver_type="bh2", predict_x0=True,
                 prediction_type="flow_prediction", lower_order_final=True, disable_corrector=(),
                 final_sigmas_type="zero", sigmas=None):
        self.timesteps, sig32 = schedule(steps, flow_shift, final_sigmas_type, sigmas=sigmas)
        self.sigma = sig32.astype(F64)
        self.alpha = 1.0 - self.sigma
        with np.errstate(divide="ignore"):
            self.lam = np.log(self.alpha) - np.log(self.sigma)
        self.order = solver_order
        self.bh1 = solver_type == "bh1"
        self.x0 = predict_x0
        self.prediction_type = prediction_type
        self.lof = lower_order_final
        self.disable = set(disable_corrector)
        self.n = steps

    def predictor_order(self, i):
        p = min(self.order, self.n - i) if self.lof else self.order
        return min(p, min(i, self.order) + 1)

    def _update(self, t, s, x, ms, p, m_t=None):
        """ms[k] belongs to sigma index s - k; m_t (corrector only) is the new output at t."""
        with np.errstate(divide="ignore", invalid="ignore"):
            # A last step onto sigma_min has h = 0: its b, r_k are inf/NaN but a first- or
            # second-order step does not use them (as in diffusers).
            return self._update_unchecked(t, s, x, ms, p, m_t)

    def _update_unchecked(self, t, s, x, ms, p, m_t):
        h = self.lam[t] - self.lam[s]
        hh = -h if self.x0 else h
        e = np.expm1(hh)
        bh = hh if self.bh1 else e
        rks = [(self.lam[s - k] - self.lam[s]) / h for k in range(1, p)] + [1.0]
        d = [(ms[k] - ms[0]) / rks[k - 1] for k in range(1, p)]
        g = e / hh - 1.0
        fact = 1
        b = []
        for k in range(1, p + 1):
            b.append(g * fact / bh)
            fact *= k + 1
            g = g / hh - 1.0 / fact
        r = np.array([[rk ** j for rk in rks] for j in range(p)], dtype=F64)
        b = np.array(b, dtype=F64)
        if m_t is not None:
            c = np.array([0.5]) if p == 1 else np.linalg.solve(r, b)
            res = sum(c[k] * d[k] for k in range(p - 1)) + c[-1] * (m_t - ms[0])
        elif p == 1:
            res = 0.0
        else:
            a = np.array([0.5]) if p == 2 else np.linalg.solve(r[:-1, :-1], b[:-1])
            res = sum(a[k] * d[k] for k in range(p - 1))
        if self.x0:
            return self.sigma[t] / self.sigma[s] * x - self.alpha[t] * e * ms[0] - self.alpha[t] * bh * res
        return self.alpha[t] / self.alpha[s] * x - self.sigma[t] * e * ms[0] - self.sigma[t] * bh * res

    def sample(self, noise, model):
        """model(x, t) -> output; returns the list of samples after every step."""
        x = np.asarray(noise, dtype=F64)
        history = []  # newest first
        last = None
        traj = []
        for i in range(self.n):
            out = model(x, float(self.timesteps[i]))
            m = _to_model_space(self.prediction_type, self.x0, out, x, self.alpha[i], self.sigma[i])
            sample = x
            if i > 0 and (i - 1) not in self.disable and last is not None:
                sample = self._update(i, i - 1, last, history, self.predictor_order(i - 1), m_t=m)
            history = [m] + history[: self.order - 1]
            last = sample
            x = self._update(i + 1, i, sample, history, self.predictor_order(i))
            traj.append(x)
        return traj


def synthetic_model(x, t):
    """The scheduler goldens' synthetic model, in float64."""
    return 0.5 * np.tanh(x) + 0.1 * np.sin(3.0 * x) * (t / 1000.0) + 0.05
