package dev.lemica.model.opensora;

import dev.lemica.model.ComputeTarget;
import dev.lemica.nn.RotaryAngles;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The rotary embedding of the temporal blocks: rotary_embedding_torch 0.5.3's
 * {@code RotaryEmbedding(dim=head_dim).rotate_queries_or_keys} over the frame axis, positions 0..T−1,
 * angles position·freqs with the checkpoint's own {@code rope.freqs}, each repeated for the two
 * channels of its (interleaved) pair. Angles and tables are float32 whatever the compute dtype (the
 * reference rounds them to bf16 in bf16 runs).
 */
final class TemporalRope {
  private final Tensor frequencies;
  private final ComputeTarget target;
  private final Map<Long, Tensor[]> byFrames = new HashMap<>();

  /** @param frequencies (head_dim/2,) float32 */
  TemporalRope(Tensor frequencies, ComputeTarget target) {
    this.frequencies = frequencies;
    this.target = target;
  }

  /** {cos, sin}, each (T, 1, head_dim) float32 on the compute device: broadcast over sequences and heads. */
  synchronized Tensor[] tables(long frames) {
    return byFrames.computeIfAbsent(frames, this::build);
  }

  private Tensor[] build(long frames) {
    Tensor positions = torch.arange(new Scalar(frames), new TensorOptions(ScalarType.Float).device(new DeviceOptional(target.device())));
    Tensor[] cosSin = RotaryAngles.cosSinInterleaved(RotaryAngles.ofFrequencies(positions, frequencies));
    for (int i = 0; i < 2; i++) {
      cosSin[i] = cosSin[i].unsqueeze(1);
      cosSin[i].retainReference();
    }
    return cosSin;
  }

  synchronized void release() {
    byFrames.values().forEach(t -> {
      t[0].releaseReference();
      t[1].releaseReference();
    });
    byFrames.clear();
  }
}
