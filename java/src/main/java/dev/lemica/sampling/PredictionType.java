package dev.lemica.sampling;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * What a model output means ({@code prediction_type}), and how the schedulers turn it into the x0 (or
 * noise) prediction they step with, given x_t = α·x0 + σ·ε. The tensor operations follow diffusers'
 * order; α and σ are rounded to float32 where they meet the float32 tensors, as torch does.
 */
public enum PredictionType {
  EPSILON("epsilon"),
  SAMPLE("sample"),
  V_PREDICTION("v_prediction"),
  /** Flow matching: the output is the velocity ε − x0, and x0 = x − σ·v. */
  FLOW_PREDICTION("flow_prediction");

  private final String configName;

  PredictionType(String configName) {
    this.configName = configName;
  }

  public String configName() {
    return configName;
  }

  static PredictionType of(SchedulerConfig c, String fallback, PredictionType... implemented) {
    String[] names = new String[implemented.length];
    for (int i = 0; i < names.length; i++) {
      names[i] = implemented[i].configName;
    }
    String name = c.choice("prediction_type", fallback, names);
    for (PredictionType p : implemented) {
      if (p.configName.equals(name)) {
        return p;
      }
    }
    throw new AssertionError(name);
  }

  /** The x0 prediction. */
  Tensor x0(Tensor output, Tensor sample, double alpha, double sigma) {
    return switch (this) {
      case EPSILON -> sample.sub(output.mul(new Scalar(sigma))).div(new Scalar(alpha));
      case SAMPLE -> output;
      case V_PREDICTION -> sample.mul(new Scalar(alpha)).sub(output.mul(new Scalar(sigma)));
      case FLOW_PREDICTION -> sample.sub(output.mul(new Scalar(sigma)));
    };
  }

  /** The noise prediction (UniPC with predict_x0 false); flow outputs have none in diffusers. */
  Tensor epsilon(Tensor output, Tensor sample, double alpha, double sigma) {
    return switch (this) {
      case EPSILON -> output;
      case SAMPLE -> sample.sub(output.mul(new Scalar(alpha))).div(new Scalar(sigma));
      case V_PREDICTION -> output.mul(new Scalar(alpha)).add(sample.mul(new Scalar(sigma)));
      case FLOW_PREDICTION -> throw new IllegalStateException("flow_prediction has no epsilon form in UniPC");
    };
  }
}
