package dev.lemica.sampling;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Qwen-Image's true CFG (pipeline_qwenimage.py, the {@code do_true_cfg} branch): the plain rule
 * {@code comb = uncond + g·(cond − uncond)}, then every token rescaled to the cond branch's norm over
 * its channels, {@code comb · ‖cond‖ / ‖comb‖}. The rescale keeps large scales from inflating the
 * velocity, so the pipeline's default scale 4 behaves like a much smaller plain one.
 *
 * <p>Latents are packed (B, tokens, channels): the norm runs over the last dimension. The pipeline
 * runs the second branch when {@code true_cfg_scale > 1} and a negative prompt is given.
 */
public record NormRescaledGuidance(double scale) implements Guidance {
  public NormRescaledGuidance {
    if (!Double.isFinite(scale)) {
      throw new IllegalArgumentException("--guidance must be a finite number, got " + scale);
    }
  }

  @Override
  public boolean guided() {
    return scale > 1.0;
  }

  @Override
  public Tensor combine(Tensor uncond, Tensor cond, int step, double timestep) {
    Tensor comb = uncond.add(cond.sub(uncond), new Scalar(scale));
    return comb.mul(tokenNorms(cond).div(tokenNorms(comb)));
  }

  private static Tensor tokenNorms(Tensor x) {
    return torch.linalg_vector_norm(x, new Scalar(2), new long[] {-1}, true, new ScalarTypeOptional());
  }

  @Override
  public String describe() {
    return guided() ? "true cfg " + scale + " (norm-rescaled)" : "no cfg";
  }
}
