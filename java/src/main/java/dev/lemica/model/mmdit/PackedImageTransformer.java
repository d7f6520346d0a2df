package dev.lemica.model.mmdit;

import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.PipelineTimesteps;
import java.util.List;
import java.util.Optional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * A transformer on packed image latents (FLUX.1, Qwen-Image), and what FluxPipeline and
 * QwenImagePipeline do alike around it: they pass the scheduler's timesteps / 1000, set the
 * scheduler with sigmas linspace(1, 1/N, N) and mu from the token count, and make 1024×1024 images
 * by default.
 */
public interface PackedImageTransformer extends DiffusionTransformer {
  /** Channels per token: 4 × the VAE's latent channels. */
  int inChannels();

  @Override
  default Tensor timestepInput(Tensor schedulerTimesteps) {
    return schedulerTimesteps.div(new Scalar(1000));
  }

  @Override
  default Optional<PipelineTimesteps> pipelineTimesteps(Tensor latents) {
    return Optional.of(new PipelineTimesteps(true, (int) latents.size(1)));
  }

  @Override
  default List<Long> typicalLatentShape() {
    return PackedLatents.typicalShape(inChannels());
  }

  @Override
  default List<Long> oneTokenLatentShape() {
    return PackedLatents.oneTokenShape(inChannels());
  }
}
