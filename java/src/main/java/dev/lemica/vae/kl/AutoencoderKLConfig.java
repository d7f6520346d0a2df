package dev.lemica.vae.kl;

import dev.lemica.model.ModelConfig;
import dev.lemica.vae.ConfigValues;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * The {@code AutoencoderKL} config keys, read as diffusers reads them: a missing key takes the
 * constructor's default (so the 2022 SD-VAE configs, which lack {@code scaling_factor} and the
 * later keys, load unchanged). Values this port does not implement (other block types, other
 * activations) are refused naming the key.
 *
 * <p>Keys that only matter for what this port does not do are accepted and not used: {@code
 * sample_size} (the tile size of diffusers' tiled decoding), {@code force_upcast} (SD-XL pipelines'
 * fp16 fallback) and {@code latents_mean} / {@code latents_std} (read by none of the FLUX and Latte
 * pipelines; they de-normalise with {@code scaling_factor} and {@code shift_factor}).
 */
public final class AutoencoderKLConfig {
  static final String DOWN_BLOCK = "DownEncoderBlock2D";
  static final String UP_BLOCK = "UpDecoderBlock2D";
  private static final Set<String> SILU = Set.of("silu", "swish");

  private final Path file;
  private final int inChannels;
  private final int outChannels;
  private final int[] blockOutChannels;
  private final int layersPerBlock;
  private final int latentChannels;
  private final int normNumGroups;
  private final double scalingFactor;
  private final Double shiftFactor;
  private final boolean useQuantConv;
  private final boolean usePostQuantConv;
  private final boolean midBlockAddAttention;

  private AutoencoderKLConfig(ModelConfig c) {
    file = c.file();
    inChannels = ConfigValues.positiveInt(c, "in_channels", 3);
    outChannels = ConfigValues.positiveInt(c, "out_channels", 3);
    blockOutChannels = ConfigValues.positiveInts(c, "block_out_channels", new int[] {64});
    layersPerBlock = ConfigValues.positiveInt(c, "layers_per_block", 1);
    latentChannels = ConfigValues.positiveInt(c, "latent_channels", 4);
    normNumGroups = ConfigValues.positiveInt(c, "norm_num_groups", 32);
    checkBlockTypes(c, "down_block_types", DOWN_BLOCK);
    checkBlockTypes(c, "up_block_types", UP_BLOCK);
    String act = c.optional("act_fn").isPresent() ? c.requireString("act_fn") : "silu";
    if (!SILU.contains(act)) {
      throw c.fault("act_fn", "is '" + act + "': only silu (swish) is supported, the activation of every released AutoencoderKL");
    }
    for (int channels : blockOutChannels) {
      if (channels % normNumGroups != 0) {
        throw c.fault(
            "norm_num_groups", "is " + normNumGroups + " but block_out_channels " + Arrays.toString(blockOutChannels)
                + " holds " + channels + ", not a multiple (GroupNorm splits channels into equal groups)");
      }
    }
    scalingFactor = c.optional("scaling_factor").isPresent() ? c.requireDouble("scaling_factor") : 0.18215;
    if (!(scalingFactor > 0) || Double.isInfinite(scalingFactor)) {
      throw c.fault("scaling_factor", "must be a positive number, got " + scalingFactor);
    }
    shiftFactor = c.optional("shift_factor").isPresent() ? c.requireDouble("shift_factor") : null;
    useQuantConv = ConfigValues.bool(c, "use_quant_conv", true);
    usePostQuantConv = ConfigValues.bool(c, "use_post_quant_conv", true);
    midBlockAddAttention = ConfigValues.bool(c, "mid_block_add_attention", true);
    if (c.optional("force_upcast").isPresent()) {
      c.requireBoolean("force_upcast");
    }
  }

  public static AutoencoderKLConfig from(ModelConfig c) {
    return new AutoencoderKLConfig(c);
  }

  /** diffusers builds one block per entry of the type lists and reads block_out_channels[i] for it: the lengths must agree. */
  private void checkBlockTypes(ModelConfig c, String key, String supported) {
    String[] types = ConfigValues.strings(c, key, new String[] {supported});
    for (String type : types) {
      if (!type.equals(supported)) {
        throw c.fault(key, "holds '" + type + "': only " + supported + " is supported (the block of every released AutoencoderKL)");
      }
    }
    if (types.length != blockOutChannels.length) {
      throw c.fault(key, "has " + types.length + " entries but block_out_channels " + Arrays.toString(blockOutChannels) + " has " + blockOutChannels.length);
    }
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

  public int layersPerBlock() {
    return layersPerBlock;
  }

  public int latentChannels() {
    return latentChannels;
  }

  public int normNumGroups() {
    return normNumGroups;
  }

  public double scalingFactor() {
    return scalingFactor;
  }

  /** FLUX's {@code shift_factor}, or null (SD VAEs). */
  public Double shiftFactor() {
    return shiftFactor;
  }

  public boolean useQuantConv() {
    return useQuantConv;
  }

  public boolean usePostQuantConv() {
    return usePostQuantConv;
  }

  public boolean midBlockAddAttention() {
    return midBlockAddAttention;
  }

  /** Pixels per latent pixel along each axis: {@code 2^(len(block_out_channels) − 1)}, the pipelines' vae_scale_factor. */
  public int spatialFactor() {
    return 1 << (blockOutChannels.length - 1);
  }
}
