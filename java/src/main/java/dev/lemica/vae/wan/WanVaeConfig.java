package dev.lemica.vae.wan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.model.ModelConfig;
import dev.lemica.vae.ConfigValues;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * The config keys of {@code AutoencoderKLWan} and of {@code AutoencoderKLQwenImage}, read as diffusers
 * reads them: a missing key takes diffusers' default (the Wan2.1 VAE's values), so the older Wan2.1
 * release configs, which lack the later keys, load unchanged. Values this port does not implement
 * (Wan2.2's residual or patchified VAE) are refused naming the key.
 *
 * <p>The Qwen-Image VAE is the Wan2.1 VAE's modules under other class names (diffusers' {@code
 * autoencoder_kl_qwenimage.py} mirrors {@code autoencoder_kl_wan.py} line by line with the Wan2.2
 * options left out), so one config serves both; only the keys differ: Qwen-Image names its one
 * channel count {@code input_channels} (input and output) and has none of the Wan-only keys
 * ({@code decoder_base_dim}, {@code is_residual}, {@code patch_size}, {@code in_channels}, {@code
 * out_channels}, {@code scale_factor_*}), which diffusers would ignore there, and so does this.
 */
public final class WanVaeConfig {
  /** diffusers' class names of the two VAEs this config describes. */
  public static final String WAN = "AutoencoderKLWan";

  public static final String QWEN_IMAGE = "AutoencoderKLQwenImage";

  /** diffusers' defaults for latents_mean / latents_std: the Wan2.1 VAE's latent statistics. */
  static final double[] WAN21_LATENTS_MEAN = {
    -0.7571, -0.7089, -0.9113, 0.1075, -0.1745, 0.9653, -0.1517, 1.5508,
    0.4134, -0.0715, 0.5517, -0.3632, -0.1922, -0.9497, 0.2503, -0.2921
  };

  static final double[] WAN21_LATENTS_STD = {
    2.8184, 1.4541, 2.3275, 2.6558, 1.2196, 1.7708, 2.6052, 2.0743,
    3.2687, 2.1526, 2.8652, 1.5579, 1.6382, 1.1253, 2.8251, 1.9160
  };

  private final Path file;
  private final String className;
  private final int baseDim;
  private final int decoderBaseDim;
  private final int zDim;
  private final int[] dimMult;
  private final int numResBlocks;
  private final boolean[] temperalDownsample;
  private final float[] latentsMean;
  private final float[] latentsStd;
  private final int inChannels;
  private final int outChannels;

  private WanVaeConfig(ModelConfig c) {
    file = c.file();
    className = c.optional("_class_name").isPresent() ? c.className() : WAN;
    if (!className.equals(WAN) && !className.equals(QWEN_IMAGE)) {
      throw c.fault("_class_name", "is '" + className + "', expected " + WAN + " or " + QWEN_IMAGE);
    }
    boolean wan = className.equals(WAN);
    baseDim = ConfigValues.positiveInt(c, "base_dim", 96);
    decoderBaseDim = wan && c.optional("decoder_base_dim").isPresent() ? ConfigValues.positiveInt(c, "decoder_base_dim", 0) : baseDim;
    zDim = ConfigValues.positiveInt(c, "z_dim", 16);
    dimMult = ConfigValues.positiveInts(c, "dim_mult", new int[] {1, 2, 4, 4});
    numResBlocks = ConfigValues.positiveInt(c, "num_res_blocks", 2);
    inChannels = ConfigValues.positiveInt(c, wan ? "in_channels" : "input_channels", 3);
    outChannels = wan ? ConfigValues.positiveInt(c, "out_channels", 3) : inChannels;
    temperalDownsample = ConfigValues.booleans(c, "temperal_downsample", new boolean[] {false, true, true});
    if (temperalDownsample.length != dimMult.length - 1) {
      throw c.fault(
          "temperal_downsample",
          "has " + temperalDownsample.length + " entries; dim_mult " + Arrays.toString(dimMult)
              + " has " + (dimMult.length - 1) + " downsampling levels");
    }
    Optional<JsonNode> attn = c.optional("attn_scales");
    if (attn.isPresent() && !(attn.get().isArray() && attn.get().isEmpty())) {
      throw c.fault(
          "attn_scales",
          "is " + attn.get() + ": only [] (every Wan2.1 release) is supported; diffusers' chunked encoder"
              + " cannot run attention in its down blocks either");
    }
    if (c.optional("dropout").isPresent()) {
      c.requireDouble("dropout"); // inference ignores it, but it must be a number
    }
    if (wan && c.optional("is_residual").isPresent() && c.requireBoolean("is_residual")) {
      throw c.fault("is_residual", "is true (the Wan2.2 VAE's residual blocks): not supported, only the Wan2.1 VAE");
    }
    if (wan && c.optional("patch_size").isPresent()) {
      throw c.fault("patch_size", "is " + c.optional("patch_size").get() + " (the Wan2.2 VAE's patchified input): not supported, only null");
    }
    latentsMean = floats(c, "latents_mean", WAN21_LATENTS_MEAN);
    latentsStd = floats(c, "latents_std", WAN21_LATENTS_STD);
    for (float s : latentsStd) {
      if (!(s > 0)) {
        throw c.fault("latents_std", "must hold positive numbers, got " + s);
      }
    }
    if (wan) {
      checkFactor(c, "scale_factor_temporal", temporalFactor(), "temperal_downsample");
      checkFactor(c, "scale_factor_spatial", spatialFactor(), "dim_mult");
    }
  }

  public static WanVaeConfig from(ModelConfig c) {
    return new WanVaeConfig(c);
  }

  public Path file() {
    return file;
  }

  /** {@link #WAN} or {@link #QWEN_IMAGE}, as the config's {@code _class_name} says (Wan when it has none). */
  public String className() {
    return className;
  }

  public int baseDim() {
    return baseDim;
  }

  public int decoderBaseDim() {
    return decoderBaseDim;
  }

  public int zDim() {
    return zDim;
  }

  public int[] dimMult() {
    return dimMult.clone();
  }

  public int numResBlocks() {
    return numResBlocks;
  }

  /** Per downsampling level of the encoder, whether it also halves time. */
  public boolean[] temperalDownsample() {
    return temperalDownsample.clone();
  }

  /** The decoder's per level flags: the encoder's reversed. */
  public boolean[] temperalUpsample() {
    boolean[] up = new boolean[temperalDownsample.length];
    for (int i = 0; i < up.length; i++) {
      up[i] = temperalDownsample[up.length - 1 - i];
    }
    return up;
  }

  public float[] latentsMean() {
    return latentsMean.clone();
  }

  public float[] latentsStd() {
    return latentsStd.clone();
  }

  public int inChannels() {
    return inChannels;
  }

  public int outChannels() {
    return outChannels;
  }

  public int temporalFactor() {
    int f = 1;
    for (boolean t : temperalDownsample) {
      f *= t ? 2 : 1;
    }
    return f;
  }

  public int spatialFactor() {
    return 1 << (dimMult.length - 1);
  }

  /** Encoder channels per level: {@code base_dim · [1] + dim_mult}. */
  int[] encoderDims() {
    int[] dims = new int[dimMult.length + 1];
    dims[0] = baseDim;
    for (int i = 0; i < dimMult.length; i++) {
      dims[i + 1] = baseDim * dimMult[i];
    }
    return dims;
  }

  /** Decoder channels per level: {@code decoder_base_dim · [dim_mult[-1]] + dim_mult[::-1]}. */
  int[] decoderDims() {
    int[] dims = new int[dimMult.length + 1];
    dims[0] = decoderBaseDim * dimMult[dimMult.length - 1];
    for (int i = 0; i < dimMult.length; i++) {
      dims[i + 1] = decoderBaseDim * dimMult[dimMult.length - 1 - i];
    }
    return dims;
  }

  private void checkFactor(ModelConfig c, String key, int implied, String from) {
    if (c.optional(key).isPresent()) {
      int stated = c.requireInt(key);
      if (stated != implied) {
        throw c.fault(key, "is " + stated + " but " + from + " implies " + implied);
      }
    }
  }

  /** Numbers as diffusers holds them: {@code torch.tensor(list)} rounds them to float32. */
  private float[] floats(ModelConfig c, String key, double[] fallback) {
    Optional<JsonNode> n = c.optional(key);
    double[] values;
    if (n.isEmpty()) {
      if (zDim != fallback.length) {
        throw new IllegalArgumentException(
            c.file() + ": missing key \"" + key + "\" (diffusers' default is the Wan2.1 VAE's, for z_dim 16; z_dim is " + zDim + ")");
      }
      values = fallback;
    } else {
      JsonNode a = n.get();
      if (!a.isArray() || a.size() != zDim) {
        throw c.fault(key, "must be an array of z_dim=" + zDim + " numbers");
      }
      values = new double[zDim];
      for (int i = 0; i < zDim; i++) {
        if (!a.get(i).isNumber()) {
          throw c.fault(key, "must be an array of z_dim=" + zDim + " numbers");
        }
        values[i] = a.get(i).asDouble();
      }
    }
    float[] out = new float[values.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) values[i];
    }
    return out;
  }
}
