package dev.lemica.vae.cogvideox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.model.ModelConfig;
import dev.lemica.vae.ConfigValues;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * The {@code AutoencoderKLCogVideoX} config keys, read as diffusers reads them: a missing key takes
 * diffusers' default (the released CogVideoX VAE's architecture). {@code sample_height} and
 * {@code sample_width} only size the default decode tiles ({@link CogVideoXTiling#defaults}); keys
 * neither the model nor the CogVideoX pipelines use ({@code shift_factor}, {@code latents_mean}, {@code latents_std}, {@code force_upcast})
 * are accepted and ignored.
 */
public final class CogVideoXVaeConfig {
  static final String DOWN_BLOCK = "CogVideoXDownBlock3D";
  static final String UP_BLOCK = "CogVideoXUpBlock3D";

  private final Path file;
  private final int inChannels;
  private final int outChannels;
  private final int[] blockOutChannels;
  private final int latentChannels;
  private final int layersPerBlock;
  private final double normEps;
  private final int normNumGroups;
  private final int temporalCompressLevel;
  private final double scalingFactor;
  private final boolean useQuantConv;
  private final boolean usePostQuantConv;
  private final boolean invertScaleLatents;
  private final int sampleHeight;
  private final int sampleWidth;

  private CogVideoXVaeConfig(ModelConfig c) {
    file = c.file();
    inChannels = ConfigValues.positiveInt(c, "in_channels", 3);
    outChannels = ConfigValues.positiveInt(c, "out_channels", 3);
    blockOutChannels = ConfigValues.positiveInts(c, "block_out_channels", new int[] {128, 256, 256, 512});
    latentChannels = ConfigValues.positiveInt(c, "latent_channels", 16);
    layersPerBlock = ConfigValues.positiveInt(c, "layers_per_block", 3);
    normEps = ConfigValues.positiveDouble(c, "norm_eps", 1e-6);
    normNumGroups = ConfigValues.positiveInt(c, "norm_num_groups", 32);
    for (int channels : blockOutChannels) {
      if (channels % normNumGroups != 0) {
        throw c.fault("norm_num_groups", "is " + normNumGroups + ", which does not divide block_out_channels " + Arrays.toString(blockOutChannels));
      }
    }
    checkBlockTypes(c, "down_block_types", DOWN_BLOCK);
    checkBlockTypes(c, "up_block_types", UP_BLOCK);
    if (c.optional("act_fn").isPresent()) {
      String act = c.requireString("act_fn");
      if (!act.equals("silu") && !act.equals("swish")) {
        throw c.fault("act_fn", "is '" + act + "': only silu (swish), every CogVideoX release's, is supported");
      }
    }
    double ratio = ConfigValues.positiveDouble(c, "temporal_compression_ratio", 4);
    temporalCompressLevel = (int) Math.floor(Math.log(ratio) / Math.log(2));
    if ((1 << temporalCompressLevel) != ratio || temporalCompressLevel > blockOutChannels.length - 1) {
      throw c.fault(
          "temporal_compression_ratio",
          "is " + ratio + ": must be a power of 2 of at most 2^" + (blockOutChannels.length - 1)
              + " (one halving per down block but the last), or the pipeline's frame count would not match the VAE's");
    }
    scalingFactor = ConfigValues.positiveDouble(c, "scaling_factor", 1.15258426);
    useQuantConv = ConfigValues.bool(c, "use_quant_conv", false);
    usePostQuantConv = ConfigValues.bool(c, "use_post_quant_conv", false);
    invertScaleLatents = ConfigValues.bool(c, "invert_scale_latents", false);
    if ((useQuantConv || usePostQuantConv) && latentChannels != outChannels) {
      throw c.fault(
          useQuantConv ? "use_quant_conv" : "use_post_quant_conv",
          "is true, but diffusers sizes these 1x1 convolutions by out_channels (" + outChannels
              + "), which cannot take latent_channels=" + latentChannels + " latents");
    }
    sampleHeight = ConfigValues.positiveInt(c, "sample_height", 480);
    sampleWidth = ConfigValues.positiveInt(c, "sample_width", 720);
  }

  public static CogVideoXVaeConfig from(ModelConfig c) {
    return new CogVideoXVaeConfig(c);
  }

  public Path file() {
    return file;
  }

  public int inChannels() {
    return inChannels;
  }

  public int outChannels() {
    return outChannels;
  }

  public int[] blockOutChannels() {
    return blockOutChannels.clone();
  }

  public int latentChannels() {
    return latentChannels;
  }

  public int layersPerBlock() {
    return layersPerBlock;
  }

  /** The encoder resnets' GroupNorm eps (the decoder's spatial norms and the encoder's norm_out use 1e-6). */
  public double normEps() {
    return normEps;
  }

  public int normNumGroups() {
    return normNumGroups;
  }

  /** {@code int(log2(temporal_compression_ratio))}: the first this many down/up blocks also halve/double time. */
  public int temporalCompressLevel() {
    return temporalCompressLevel;
  }

  public int temporalFactor() {
    return 1 << temporalCompressLevel;
  }

  public int spatialFactor() {
    return 1 << (blockOutChannels.length - 1);
  }

  public double scalingFactor() {
    return scalingFactor;
  }

  public boolean useQuantConv() {
    return useQuantConv;
  }

  public boolean usePostQuantConv() {
    return usePostQuantConv;
  }

  /** CogVideoX 1.5: its image-to-video pipeline divides encoded latents by the scaling factor instead of multiplying. */
  public boolean invertScaleLatents() {
    return invertScaleLatents;
  }

  /** The video height the VAE was made for; its default decode tiles are half of it. */
  public int sampleHeight() {
    return sampleHeight;
  }

  public int sampleWidth() {
    return sampleWidth;
  }

  private void checkBlockTypes(ModelConfig c, String key, String only) {
    Optional<JsonNode> n = c.optional(key);
    if (n.isEmpty()) {
      if (blockOutChannels.length != 4) {
        throw new IllegalArgumentException(
            c.file() + ": missing key \"" + key + "\" (diffusers' default has 4 blocks; block_out_channels has " + blockOutChannels.length + ")");
      }
      return;
    }
    JsonNode a = n.get();
    if (!a.isArray() || a.size() != blockOutChannels.length) {
      throw c.fault(key, "must be an array of " + blockOutChannels.length + " block names, one per block_out_channels entry");
    }
    for (JsonNode type : a) {
      if (!type.isTextual() || !type.asText().equals(only)) {
        throw c.fault(key, "holds " + type + ": only " + only + " exists in AutoencoderKLCogVideoX");
      }
    }
  }
}
