package dev.lemica.vae.opensora;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.model.ModelConfig;
import dev.lemica.vae.ConfigValues;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The {@code vae_temporal} entry of Open-Sora 1.2's VAE config: the arguments of its {@code
 * VAE_Temporal}. {@code "type": "VAE_Temporal_SD"} (the release's) fixes the architecture to {@code
 * VAE_Temporal_SD}'s (filters 128, 4 res blocks, multipliers (1, 2, 2, 4), temporal downsampling
 * (False, True, True)); {@code "type": "VAE_Temporal"} takes every argument from the entry, missing
 * ones at {@code VAE_Temporal}'s defaults. Weights come from the pipeline's checkpoint, so {@code
 * from_pretrained} must be null.
 */
public final class TemporalVaeConfig {
  static final String SD = "VAE_Temporal_SD";
  static final String GENERIC = "VAE_Temporal";

  private final int inOutChannels;
  private final int latentEmbedDim;
  private final int embedDim;
  private final int filters;
  private final int numResBlocks;
  private final int[] channelMultipliers;
  private final boolean[] temporalDownsample;
  private final int numGroups;

  private TemporalVaeConfig(ModelConfig c, String type) {
    boolean sd = type.equals(SD);
    inOutChannels = sd ? 4 : ConfigValues.positiveInt(c, "in_out_channels", 4);
    latentEmbedDim = sd ? 4 : ConfigValues.positiveInt(c, "latent_embed_dim", 4);
    embedDim = sd ? 4 : ConfigValues.positiveInt(c, "embed_dim", 4);
    filters = sd ? 128 : ConfigValues.positiveInt(c, "filters", 128);
    numResBlocks = sd ? 4 : ConfigValues.positiveInt(c, "num_res_blocks", 4);
    channelMultipliers = sd ? new int[] {1, 2, 2, 4} : ConfigValues.positiveInts(c, "channel_multipliers", new int[] {1, 2, 2, 4});
    temporalDownsample =
        sd ? new boolean[] {false, true, true} : ConfigValues.booleans(c, "temporal_downsample", new boolean[] {true, true, false});
    numGroups = ConfigValues.positiveInt(c, "num_groups", 32);
    if (temporalDownsample.length != channelMultipliers.length - 1) {
      throw c.fault(
          "temporal_downsample",
          "has " + temporalDownsample.length + " entries; channel_multipliers " + Arrays.toString(channelMultipliers) + " has "
              + (channelMultipliers.length - 1) + " levels that can downsample");
    }
    for (int m : channelMultipliers) {
      if ((filters * m) % numGroups != 0 || filters % numGroups != 0) {
        throw c.fault("num_groups", "is " + numGroups + ", which does not divide every level's channels (filters " + filters + " × " + Arrays.toString(channelMultipliers) + ")");
      }
    }
    if (c.optional("activation_fn").isPresent() && !c.requireString("activation_fn").equals("swish")) {
      throw c.fault("activation_fn", "is '" + c.requireString("activation_fn") + "': only swish (SiLU), the release's, is supported");
    }
    if (c.optional("from_pretrained").isPresent()) {
      throw c.fault("from_pretrained", "is set: the temporal VAE's weights must be in the pipeline's checkpoint (temporal_vae.*)");
    }
  }

  /** The {@code vae_temporal} object of {@code config} (in file {@code file}). */
  static TemporalVaeConfig from(JsonNode entry, Path file) {
    if (entry == null || !entry.isObject()) {
      throw new IllegalArgumentException(file + ": \"vae_temporal\" must be an object");
    }
    ModelConfig c = ModelConfig.parse(entry.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8), Path.of(file + " vae_temporal"));
    String type = c.requireString("type");
    if (!type.equals(SD) && !type.equals(GENERIC)) {
      throw c.fault("type", "is '" + type + "': only " + SD + " and " + GENERIC + " exist in Open-Sora 1.2");
    }
    return new TemporalVaeConfig(c, type);
  }

  public int inOutChannels() {
    return inOutChannels;
  }

  /** Channels of the latents the pipeline's denoiser works on ({@code embed_dim}). */
  public int embedDim() {
    return embedDim;
  }

  /** Channels of the decoder's input and the encoder's output halves ({@code latent_embed_dim}). */
  public int latentEmbedDim() {
    return latentEmbedDim;
  }

  public int filters() {
    return filters;
  }

  public int numResBlocks() {
    return numResBlocks;
  }

  public int[] channelMultipliers() {
    return channelMultipliers.clone();
  }

  public boolean[] temporalDownsample() {
    return temporalDownsample.clone();
  }

  public int numGroups() {
    return numGroups;
  }

  /** {@code 2^(number of temporal downsamplings)}: video frames per latent frame. */
  public int timeDownsampleFactor() {
    int f = 1;
    for (boolean t : temporalDownsample) {
      f *= t ? 2 : 1;
    }
    return f;
  }

  /** VAE_Temporal's {@code get_latent_size} in time: {@code ceil(frames / factor)} (the encoder pads in front). */
  public long latentFrames(long frames) {
    int f = timeDownsampleFactor();
    return (frames + f - 1) / f;
  }
}
