package dev.lemica.vae.cogvideox;

import dev.lemica.vae.ScopedSteps;
import dev.lemica.model.WeightLoader;
import dev.lemica.nn.FrameCache;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code CogVideoXDownBlock3D}, {@code CogVideoXUpBlock3D} and {@code CogVideoXMidBlock3D}:
 * resnets ({@code resnets.<k>}), then, in down and up blocks but the last, the resampler ({@code
 * downsamplers.0} / {@code upsamplers.0}).
 */
final class CogVideoXBlock3D implements CogVideoXLayer {
  private final List<CogVideoXResnetBlock3D> resnets;
  private final UnaryOperator<Tensor> resampler;

  private CogVideoXBlock3D(List<CogVideoXResnetBlock3D> resnets, UnaryOperator<Tensor> resampler) {
    this.resnets = resnets;
    this.resampler = resampler;
  }

  /** An encoder down block: {@code layers_per_block} resnets, then the downsampler unless it is the last block. */
  static CogVideoXBlock3D down(WeightLoader w, String prefix, int in, int out, CogVideoXVaeConfig c, int index) {
    List<CogVideoXResnetBlock3D> resnets = new ArrayList<>();
    for (int k = 0; k < c.layersPerBlock(); k++) {
      resnets.add(CogVideoXResnetBlock3D.encoder(w, prefix + ".resnets." + k, k == 0 ? in : out, out, c));
    }
    UnaryOperator<Tensor> down = null;
    if (index < c.blockOutChannels().length - 1) {
      down = new CogVideoXDownsample3D(w, prefix + ".downsamplers.0", out, index < c.temporalCompressLevel())::apply;
    }
    return new CogVideoXBlock3D(resnets, down);
  }

  /** A decoder up block: {@code layers_per_block + 1} resnets, then the upsampler unless it is the last block. */
  static CogVideoXBlock3D up(WeightLoader w, String prefix, int in, int out, CogVideoXVaeConfig c, int index) {
    List<CogVideoXResnetBlock3D> resnets = new ArrayList<>();
    for (int k = 0; k <= c.layersPerBlock(); k++) {
      resnets.add(CogVideoXResnetBlock3D.decoder(w, prefix + ".resnets." + k, k == 0 ? in : out, out, c));
    }
    UnaryOperator<Tensor> up = null;
    if (index < c.blockOutChannels().length - 1) {
      up = new CogVideoXUpsample3D(w, prefix + ".upsamplers.0", out, index < c.temporalCompressLevel())::apply;
    }
    return new CogVideoXBlock3D(resnets, up);
  }

  /** The mid block: two resnets, with spatial norms in the decoder. */
  static CogVideoXBlock3D mid(WeightLoader w, String prefix, int channels, CogVideoXVaeConfig c, boolean decoder) {
    List<CogVideoXResnetBlock3D> resnets = new ArrayList<>();
    for (int k = 0; k < 2; k++) {
      String name = prefix + ".resnets." + k;
      resnets.add(
          decoder
              ? CogVideoXResnetBlock3D.decoder(w, name, channels, channels, c)
              : CogVideoXResnetBlock3D.encoder(w, name, channels, channels, c));
    }
    return new CogVideoXBlock3D(resnets, null);
  }

  @Override
  public Tensor apply(Tensor x, Tensor zq, FrameCache cache) {
    List<UnaryOperator<Tensor>> steps = new ArrayList<>();
    for (CogVideoXResnetBlock3D resnet : resnets) {
      steps.add(t -> resnet.apply(t, zq, cache));
    }
    if (resampler != null) {
      steps.add(resampler);
    }
    return ScopedSteps.sequence(x, steps);
  }
}
