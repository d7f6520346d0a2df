package dev.lemica.text.t5;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Activation;
import dev.lemica.nn.Linear;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Gated-GELU feed-forward ({@code layer.1.DenseReluDense}): wo(gelu_new(wi_0 x) · wi_1 x). In
 * float16, {@code wo} stays in float32 and its input is cast up, as transformers loads it
 * ({@code _keep_in_fp32_modules = ["wo"]}): T5's activations overflow float16 there.
 */
final class T5FeedForward {
  private final Linear wi0;
  private final Linear wi1;
  private final Linear wo;
  private final ScalarType woType;

  T5FeedForward(WeightLoader w, String prefix, T5Config c) {
    wi0 = new Linear(w.load(prefix + ".wi_0.weight", c.dFf(), c.dModel()), null);
    wi1 = new Linear(w.load(prefix + ".wi_1.weight", c.dFf(), c.dModel()), null);
    boolean half = w.target().dtype().value == ScalarType.Half.value;
    woType = half ? ScalarType.Float : w.target().dtype();
    Tensor woWeight = half
        ? w.loadFloat32(prefix + ".wo.weight", c.dModel(), c.dFf())
        : w.load(prefix + ".wo.weight", c.dModel(), c.dFf());
    wo = new Linear(woWeight, null);
  }

  Tensor apply(Tensor x) {
    Tensor gated = Activation.GELU_TANH.apply(wi0.apply(x)).mul(wi1.apply(x));
    if (gated.scalar_type().value != woType.value) {
      gated = gated.to(woType);
    }
    return wo.apply(gated);
  }
}
