package dev.lemica.model.flux;

import dev.lemica.model.Modules;
import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Activation;
import dev.lemica.nn.FeedForward;
import dev.lemica.nn.Timesteps;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * FLUX's conditioning vector temb: diffusers' {@code CombinedTimestepGuidanceTextProjEmbeddings}
 * (FLUX.1-dev: timestep, distilled guidance and pooled CLIP text) or, without guidance_embeds,
 * {@code CombinedTimestepTextProjEmbeddings} (FLUX.1-schnell). Timestep and guidance arrive on the
 * sigma scale and are multiplied by 1000 in the compute dtype first, as the diffusers forward does.
 */
final class FluxTimeTextEmbedding {
  private static final Timesteps SINUSOID = new Timesteps(256, true, 0, 1);

  private final FeedForward timestepEmbedder;
  /** Null without guidance_embeds. */
  private final FeedForward guidanceEmbedder;
  private final FeedForward textEmbedder;

  FluxTimeTextEmbedding(WeightLoader w, FluxConfig c) {
    int dim = c.dim();
    String p = "time_text_embed.";
    timestepEmbedder = Modules.mlp(w, p + "timestep_embedder", 256, dim, dim, Activation.SILU, false);
    guidanceEmbedder = c.guidanceEmbeds() ? Modules.mlp(w, p + "guidance_embedder", 256, dim, dim, Activation.SILU, false) : null;
    textEmbedder = Modules.mlp(w, p + "text_embedder", c.pooledProjectionDim(), dim, dim, Activation.SILU, false);
  }

  boolean usesGuidance() {
    return guidanceEmbedder != null;
  }

  /**
   * @param timestep (batch,) sigma-scale timesteps
   * @param guidance (batch,) guidance scales, ignored (may be null) without a guidance embedder
   * @param pooled (batch, pooled_projection_dim) in the compute dtype
   */
  Tensor apply(Tensor timestep, Tensor guidance, Tensor pooled) {
    ScalarType dtype = pooled.scalar_type();
    Tensor temb = embed(timestepEmbedder, timestep, dtype);
    if (guidanceEmbedder != null) {
      temb = temb.add(embed(guidanceEmbedder, guidance, dtype));
    }
    return temb.add(textEmbedder.apply(pooled));
  }

  private static Tensor embed(FeedForward embedder, Tensor sigmaScale, ScalarType dtype) {
    Tensor scaled = sigmaScale.to(dtype).mul(new Scalar(1000));
    return embedder.apply(SINUSOID.apply(scaled).to(dtype));
  }
}
