package dev.lemica.pipeline;

import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * The text conditioning of a batch as the transformer takes it: its forward's inputs per CFG branch,
 * named as the diffusers forward names them (Wan: {@code encoder_hidden_states}; FLUX adds pooled
 * projections and position ids; Qwen-Image a mask). What the denoiser combines per step.
 */
public record Conditioning(Map<String, Tensor> cond, Map<String, Tensor> uncond) {
  public Conditioning {
    cond = Map.copyOf(cond);
    uncond = Map.copyOf(uncond);
  }
}
