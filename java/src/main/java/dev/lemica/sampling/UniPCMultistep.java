package dev.lemica.sampling;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' UniPCMultistepScheduler with flow sigmas (the Wan2.1 sampler): at every step the UniC
 * corrector refines the incoming sample with the new model output, then the UniP predictor of order
 * p steps from it with the last p x0 predictions (B(h) variants bh1 / bh2). The state carries the
 * last {@code solver_order} converted outputs and the sample the last predictor started from.
 *
 * <p>Solver scalars (α, σ, λ = log α − log σ, h, the B(h) and ρ coefficients) are float32, as
 * diffusers computes them in float32 0-d tensors; the model sees the int64-truncated timesteps, the
 * solver uses the float32 sigmas by step index.
 */
public final class UniPCMultistep extends StepwiseSampler {
  public static final String CLASS_NAME = "UniPCMultistepScheduler";
  private static final String OUTPUT = "model_output.";
  private static final String LAST_SAMPLE = "last_sample";

  private final float[] sigma;
  private final float[] alpha;
  private final float[] lambda;
  private final int order;
  private final boolean bh1;
  private final boolean predictX0;
  private final boolean lowerOrderFinal;
  private final Set<Integer> disableCorrector;
  private final PredictionType prediction;

  private UniPCMultistep(
      double[] sigmas, long[] timesteps, int order, boolean bh1, boolean predictX0, boolean lowerOrderFinal,
      Set<Integer> disableCorrector, PredictionType prediction, String description) {
    super(java.util.Arrays.stream(timesteps).asDoubleStream().toArray(), description);
    int n = sigmas.length;
    this.sigma = new float[n];
    this.alpha = new float[n];
    this.lambda = new float[n];
    for (int i = 0; i < n; i++) {
      sigma[i] = (float) sigmas[i];
      alpha[i] = 1f - sigma[i];
      lambda[i] = (float) Math.log(alpha[i]) - (float) Math.log(sigma[i]);
    }
    this.order = order;
    this.bh1 = bh1;
    this.predictX0 = predictX0;
    this.lowerOrderFinal = lowerOrderFinal;
    this.disableCorrector = disableCorrector;
    this.prediction = prediction;
  }

  /** The float32 sigmas, N+1 of them. */
  public float[] sigmas() {
    return sigma.clone();
  }

  /** The predictor's order at step i of a run from step 0: warm-up from 1, lower at the end with lower_order_final. */
  int predictorOrder(int i) {
    return predictorOrder(i, Math.min(i, order));
  }

  /**
   * The predictor's order at step i with {@code stored} earlier outputs at hand (diffusers'
   * lower_order_nums): a state without history is a scheduler started afresh at that step.
   */
  private int predictorOrder(int i, int stored) {
    int p = lowerOrderFinal ? Math.min(order, steps() - i) : order;
    return Math.min(p, stored + 1);
  }

  @Override
  SamplerState advance(SamplerState state, Tensor output) {
    int i = state.step();
    Tensor x = state.latents();
    Tensor converted = predictX0
        ? prediction.x0(output, x, alpha[i], sigma[i])
        : prediction.epsilon(output, x, alpha[i], sigma[i]);
    List<Tensor> previous = new ArrayList<>();
    for (int k = 0; state.history(OUTPUT + k) != null; k++) {
      previous.add(state.history(OUTPUT + k));
    }
    Tensor sample = x;
    Tensor last = state.history(LAST_SAMPLE);
    if (i > 0 && !disableCorrector.contains(i - 1) && last != null && !previous.isEmpty()) {
      // UniC: the sample the last predictor made, corrected with this step's output, at the order
      // that predictor had (it had one output fewer than are stored now, unless the store is full).
      int c = Math.min(predictorOrder(i - 1, previous.size() - 1 + (previous.size() == order ? 1 : 0)), previous.size());
      sample = update(i, i - 1, last, previous, converted, c);
    }
    List<Tensor> outputs = new ArrayList<>();
    outputs.add(converted);
    outputs.addAll(previous.subList(0, Math.min(previous.size(), order - 1)));
    Tensor next = update(i + 1, i, sample, outputs, null, predictorOrder(i, Math.min(previous.size(), order)));
    Map<String, Tensor> history = new LinkedHashMap<>();
    for (int k = 0; k < outputs.size(); k++) {
      history.put(OUTPUT + k, outputs.get(k));
    }
    history.put(LAST_SAMPLE, sample);
    return SamplerState.of(i + 1, next, history);
  }

  /**
   * One B(h) update from sigma index s0 to t: the predictor (UniP, {@code modelT} null) from x with
   * outputs m_{s0}, m_{s0−1}, ..., or the corrector (UniC) of the sample that x was predicted from,
   * with {@code modelT} the new output at t and outputs m_{s0}, m_{s0−1}, ....
   *
   * @param outputs converted outputs, newest first: outputs.get(k) belongs to sigma index s0 − k
   */
  private Tensor update(int t, int s0, Tensor x, List<Tensor> outputs, Tensor modelT, int p) {
    boolean corrector = modelT != null;
    float h = lambda[t] - lambda[s0];
    Tensor m0 = outputs.get(0);
    // r_k and D1_k for the older outputs; the predictor of order p uses p−1 of them, the corrector too.
    int older = p - 1;
    float[] rks = new float[older + 1];
    List<Tensor> d1 = new ArrayList<>();
    for (int k = 1; k <= older; k++) {
      rks[k - 1] = (lambda[s0 - k] - lambda[s0]) / h;
      d1.add(outputs.get(k).sub(m0).div(new Scalar(rks[k - 1])));
    }
    rks[older] = 1f;
    float hh = predictX0 ? -h : h;
    float hPhi1 = (float) Math.expm1(hh);
    float bh = bh1 ? hh : (float) Math.expm1(hh);
    float[][] r = new float[p][p];
    float[] b = new float[p];
    float hPhiK = hPhi1 / hh - 1f;
    int factorial = 1;
    for (int k = 1; k <= p; k++) {
      for (int j = 0; j < p; j++) {
        r[k - 1][j] = power(rks[j], k - 1);
      }
      b[k - 1] = hPhiK * factorial / bh;
      factorial *= k + 1;
      hPhiK = hPhiK / hh - (float) (1.0 / factorial);
    }
    float[] rhos;
    if (corrector) {
      rhos = p == 1 ? new float[] {0.5f} : SmallSolve.solve(r, b);
    } else {
      rhos = p == 2 ? new float[] {0.5f} : p > 2 ? SmallSolve.solve(topLeft(r, p - 1), java.util.Arrays.copyOf(b, p - 1)) : new float[0];
    }
    float scaleX = predictX0 ? sigma[t] / sigma[s0] : alpha[t] / alpha[s0];
    float outer = predictX0 ? alpha[t] : sigma[t];
    Tensor xt = x.mul(new Scalar(scaleX)).sub(m0.mul(new Scalar(outer * hPhi1)));
    Tensor residual = null;
    for (int k = 0; k < d1.size(); k++) {
      Tensor term = d1.get(k).mul(new Scalar(rhos[k]));
      residual = residual == null ? term : residual.add(term);
    }
    if (corrector) {
      Tensor term = modelT.sub(m0).mul(new Scalar(rhos[rhos.length - 1]));
      residual = residual == null ? term : residual.add(term);
    }
    return residual == null ? xt : xt.sub(residual.mul(new Scalar(outer * bh)));
  }

  /** torch.pow(x, e) for the small integer exponents here, as its optimized kernel computes them. */
  private static float power(float x, int e) {
    return switch (e) {
      case 0 -> 1f;
      case 1 -> x;
      case 2 -> x * x;
      case 3 -> x * x * x;
      default -> (float) Math.pow(x, e);
    };
  }

  private static float[][] topLeft(float[][] m, int n) {
    float[][] out = new float[n][];
    for (int i = 0; i < n; i++) {
      out[i] = java.util.Arrays.copyOf(m[i], n);
    }
    return out;
  }

  /** The UniPC a scheduler_config.json describes, with set_timesteps(steps) as the Wan pipeline calls it. */
  static UniPCMultistep fromConfig(SchedulerConfig c, int steps, SamplingContext context) {
    int train = c.integer("num_train_timesteps", 1000);
    int order = c.integer("solver_order", 2);
    if (order < 1) {
      throw c.fault("\"solver_order\" must be at least 1, found " + order);
    }
    PredictionType prediction = PredictionType.of(
        c, "epsilon", PredictionType.EPSILON, PredictionType.SAMPLE, PredictionType.V_PREDICTION, PredictionType.FLOW_PREDICTION);
    boolean predictX0 = c.bool("predict_x0", true);
    if (!predictX0 && prediction == PredictionType.FLOW_PREDICTION) {
      throw c.fault("\"predict_x0\": false cannot take a flow_prediction model output (diffusers refuses it too)");
    }
    // diffusers maps the DPM-Solver names onto bh2.
    String solverType = c.choice("solver_type", "bh2", "bh1", "bh2", "midpoint", "heun", "logrho");
    boolean bh1 = solverType.equals("bh1");
    boolean lowerOrderFinal = c.bool("lower_order_final", true);
    Set<Integer> disable = new TreeSet<>(c.integers("disable_corrector"));
    c.requireNull("solver_p");
    c.require("thresholding", false);
    for (String k : new String[] {"use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas"}) {
      c.require(k, false);
    }
    c.require("use_flow_sigmas", true);
    double flowShift = c.number("flow_shift", 1.0);
    c.choice("timestep_spacing", "linspace", "linspace", "leading", "trailing");
    c.choice("beta_schedule", "linear", "linear", "scaled_linear", "squaredcos_cap_v2");
    String finalSigmas = c.choice("final_sigmas_type", "zero", "zero", "sigma_min");
    boolean dynamic = c.bool("use_dynamic_shifting", false);
    String timeShift = c.choice("time_shift_type", "exponential", "exponential", "linear");
    Double terminal = c.optionalNumber("shift_terminal");
    // Read for completeness: with flow sigmas they do not shape the trajectory.
    for (String k : new String[] {"beta_start", "beta_end", "trained_betas", "dynamic_thresholding_ratio", "sample_max_value",
        "steps_offset", "rescale_betas_zero_snr", "sigma_min", "sigma_max"}) {
      c.has(k);
    }
    Double mu = FlowMatchEuler.dynamicMu(c, dynamic, context);
    if (finalSigmas.equals("zero")) {
      // σ_N = 0 makes λ_N infinite: only the bh2 x0 form with a first-order last step stays finite,
      // the others give NaN in the last update in diffusers as here.
      String broken = bh1 ? "\"solver_type\": bh1" : !predictX0 ? "\"predict_x0\": false"
          : !lowerOrderFinal && order > 1 ? "\"lower_order_final\": false" : null;
      if (broken != null) {
        throw c.fault(broken + " with final_sigmas_type \"zero\" gives NaN in the last step (λ is infinite at σ = 0);"
            + " use final_sigmas_type \"sigma_min\"");
      }
    }
    c.warnUnread();

    double[] s;
    if (context.sigmas() != null) {
      if (context.sigmas().length != steps) {
        throw c.fault(context.sigmas().length + " sigmas passed for " + steps + " steps");
      }
      s = context.sigmas().clone();
    } else {
      s = java.util.Arrays.copyOf(Numpy.linspace(1, 1.0 / train, steps + 1), steps);
    }
    s = dynamic ? FlowShifts.timeShift(timeShift, mu, s, false) : FlowShifts.shift(s, flowShift, false);
    if (terminal != null && terminal != 0) {
      s = FlowShifts.stretchToTerminal(s, terminal, false);
    }
    if (Math.abs(s[0] - 1) < 1e-6) {
      // diffusers keeps log(1 − σ_0) finite this way.
      s[0] -= 1e-6;
    }
    long[] timesteps = new long[steps];
    for (int i = 0; i < steps; i++) {
      timesteps[i] = (long) (s[i] * train);
    }
    double[] sigmas = java.util.Arrays.copyOf(s, steps + 1);
    sigmas[steps] = finalSigmas.equals("zero") ? 0 : s[steps - 1];

    StringBuilder d = new StringBuilder(CLASS_NAME).append("(order ").append(order).append(", ").append(bh1 ? "bh1" : "bh2");
    d.append(dynamic ? String.format(Locale.ROOT, ", dynamic %s shift, mu %s", timeShift, mu) : ", flow_shift " + flowShift);
    if (terminal != null && terminal != 0) {
      d.append(", shift_terminal ").append(terminal);
    }
    if (prediction != PredictionType.FLOW_PREDICTION) {
      d.append(", ").append(prediction.configName());
    }
    if (!predictX0) {
      d.append(", noise form");
    }
    if (!lowerOrderFinal) {
      d.append(", no lower_order_final");
    }
    if (!disable.isEmpty()) {
      d.append(", corrector disabled after ").append(disable);
    }
    if (finalSigmas.equals("sigma_min")) {
      d.append(", final sigma_min");
    }
    return new UniPCMultistep(
        sigmas, timesteps, order, bh1, predictX0, lowerOrderFinal, disable, prediction, d.append(")").toString());
  }
}
