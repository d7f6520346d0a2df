"""Checks unipc_np.py against diffusers' unipc_flow golden, then writes UniPC goldens of settings that
golden does not cover (solver order 3, bh1, the noise form with v_prediction, a disabled corrector,
final_sigmas_type sigma_min, no lower_order_final; batch 2) to java/src/test/resources/golden/unipc-variants/.

    python3 tools/reference/make_unipc_golden.py      # deterministic: identical bytes on every run
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import safetensors_np  # noqa: E402
import unipc_np  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
GOLDEN = os.path.join(ROOT, "java", "src", "test", "resources", "golden")

CASES = {
    "order3_bh2_shift5": dict(steps=9, flow_shift=5.0, solver_order=3, solver_type="bh2"),
    "order2_bh1_sigma_min": dict(steps=7, flow_shift=2.0, solver_order=2, solver_type="bh1", final_sigmas_type="sigma_min"),
    # The noise form divides by alpha = 1 - sigma: from sigma ~ 1 its first step cancels terms 1e5
    # times larger than the result, so it starts from sigmas a pipeline passes, below 1.
    "noise_form_v_prediction": dict(steps=8, flow_shift=3.0, solver_order=2, predict_x0=False, prediction_type="v_prediction",
                                    final_sigmas_type="sigma_min", disable_corrector=[3], sigmas=np.linspace(0.8, 0.1, 8)),
    "order2_no_lower_order_final": dict(steps=8, flow_shift=3.0, solver_order=2, lower_order_final=False,
                                        final_sigmas_type="sigma_min"),
}


def rel(a, b):
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def check_diffusers_golden():
    folder = os.path.join(GOLDEN, "schedulers", "unipc_flow")
    io, _ = safetensors_np.load(os.path.join(folder, "io.safetensors"))
    ref = unipc_np.UniPC(12, 3.0)
    assert (ref.timesteps == io["out.timesteps"]).all(), "timesteps differ from diffusers"
    assert (ref.sigma.astype(np.float32) == io["out.sigmas"]).all(), "sigmas differ from diffusers"
    traj = ref.sample(io["in.noise"], unipc_np.synthetic_model)
    worst = max(rel(traj[i], io["traj.%d" % i]) for i in range(12))
    return worst


def config(spec):
    c = {
        "_class_name": "UniPCMultistepScheduler",
        "beta_end": 0.02, "beta_schedule": "linear", "beta_start": 0.0001,
        "disable_corrector": spec.get("disable_corrector", []),
        "final_sigmas_type": spec.get("final_sigmas_type", "zero"),
        "flow_shift": spec["flow_shift"],
        "lower_order_final": spec.get("lower_order_final", True),
        "num_train_timesteps": 1000,
        "predict_x0": spec.get("predict_x0", True),
        "prediction_type": spec.get("prediction_type", "flow_prediction"),
        "solver_order": spec["solver_order"],
        "solver_type": spec.get("solver_type", "bh2"),
        "timestep_spacing": "linspace",
        "use_flow_sigmas": True,
    }
    return c


def main():
    worst = check_diffusers_golden()
    print("unipc_np vs diffusers unipc_flow golden: max traj rel L2 %.3g" % worst)
    if worst > 1e-6:
        raise SystemExit("the reference does not reproduce diffusers")
    out_root = os.path.join(GOLDEN, "unipc-variants")
    os.makedirs(out_root, exist_ok=True)
    for k, (name, spec) in enumerate(sorted(CASES.items())):
        folder = os.path.join(out_root, name)
        os.makedirs(folder, exist_ok=True)
        args = {key: v for key, v in spec.items() if key not in ("steps", "flow_shift")}
        ref = unipc_np.UniPC(spec["steps"], spec["flow_shift"], **args)
        noise = np.random.default_rng(2100 + k).standard_normal((2, 4, 2, 4, 4)).astype(np.float32)
        traj = ref.sample(noise, unipc_np.synthetic_model)
        tensors = {"in.noise": noise, "out.timesteps": ref.timesteps, "out.sigmas": ref.sigma.astype(np.float32)}
        if "sigmas" in spec:
            tensors["in.sigmas_arg"] = np.asarray(spec["sigmas"], dtype=np.float64)
        for i, x in enumerate(traj):
            tensors["traj.%d" % i] = x.astype(np.float32)
        safetensors_np.save(os.path.join(folder, "io.safetensors"), tensors)
        with open(os.path.join(folder, "scheduler_config.json"), "w") as f:
            json.dump(config(spec), f, indent=2, sort_keys=True)
            f.write("\n")
        meta = {
            "made_by": "tools/reference/make_unipc_golden.py (float64 NumPy, tools/reference/unipc_np.py)",
            "steps": spec["steps"],
            "predictor_orders": [ref.predictor_order(i) for i in range(spec["steps"])],
            "model": "synthetic: 0.5*tanh(x) + 0.1*sin(3x)*(t/1000) + 0.05 in float64, t = out.timesteps[i]",
            "noise": "np.random.default_rng(%d).standard_normal((2,4,2,4,4)) as float32" % (2100 + k),
            "sigmas_passed_to_set_timesteps": "in.sigmas_arg" if "sigmas" in spec else None,
            "reference_vs_diffusers_unipc_flow_max_rel_l2": worst,
        }
        with open(os.path.join(folder, "meta.json"), "w") as f:
            json.dump(meta, f, indent=2, sort_keys=True)
            f.write("\n")
        print("wrote %s: %d steps, orders %s" % (folder, spec["steps"], meta["predictor_orders"]))


if __name__ == "__main__":
    main()
