package dev.lemica.sampling;

import dev.lemica.torch.Tensors;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Noise drawn in sequence from one CPU generator, as diffusers draws it with the pipeline's
 * {@code generator}: {@code randn_tensor(shape, generator=g, device=d)} with a CPU generator draws on
 * the CPU and moves the result. A pipeline draws its initial latents with {@link #next} first, then
 * hands the same source to the sampler, so the step noise continues the generator's sequence exactly
 * as in Python. The step and draw indices are not consulted: draws must come in order.
 */
public final class GeneratorNoise implements NoiseSource, AutoCloseable {
  private final Generator generator;

  public GeneratorNoise(long seed) {
    generator = torch.createCPUGenerator(seed);
    // The generator outlives the scope it was made in: it serves every step of the runs that use it.
    generator.retainReference();
  }

  /** The next float32 draw of {@code shape} on the CPU. */
  public synchronized Tensor next(long... shape) {
    return torch.randn(shape, new GeneratorOptional(generator), new TensorOptions(ScalarType.Float));
  }

  @Override
  public Tensor draw(int step, int draw, Tensor like) {
    return next(Tensors.shape(like)).to(like.device(), ScalarType.Float);
  }

  @Override
  public void close() {
    generator.releaseReference();
  }
}
