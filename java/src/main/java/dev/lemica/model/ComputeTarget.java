package dev.lemica.model;

import java.util.Locale;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Where and in which precision a model computes. Parsed from the CLI's {@code --device} and
 * {@code --dtype}; asking for CUDA where none exists fails here, before any weight is loaded.
 *
 * @param textDtype the precision of a pipeline's text encoders when it differs from {@code dtype},
 *     or null for the pipeline's own choice (the compute dtype; Open-Sora keeps T5 in float32). On a
 *     CPU without bf16 arithmetic a bf16 text encoder (matrix products, which such CPUs run well
 *     enough) with a float32 transformer and VAE (attention and convolutions, which they do not) is
 *     what makes a 24 GB machine hold UMT5-XXL or T5-XXL
 */
public record ComputeTarget(String deviceName, ScalarType dtype, ScalarType textDtype) {

  public static final ComputeTarget CPU_FLOAT32 = new ComputeTarget("cpu", ScalarType.Float);

  public ComputeTarget(String deviceName, ScalarType dtype) {
    this(deviceName, dtype, null);
  }

  public static ComputeTarget parse(String device, String dtype) {
    return new ComputeTarget(parseDevice(device), parseDtype(dtype));
  }

  /** The same target with the text encoders in {@code dtype} (float32, bfloat16 or float16). */
  public ComputeTarget withTextDtype(String dtype) {
    return new ComputeTarget(deviceName, this.dtype, parseDtype(dtype, "--text-dtype"));
  }

  /** Where a pipeline's text encoders run: the compute dtype unless a text dtype was chosen. */
  public ComputeTarget textEncoders() {
    return textEncoders(dtype);
  }

  /** The same, for a pipeline whose own text-encoder dtype is {@code pipelineDefault}. */
  public ComputeTarget textEncoders(ScalarType pipelineDefault) {
    return new ComputeTarget(deviceName, textDtype != null ? textDtype : pipelineDefault);
  }

  private static String parseDevice(String device) {
    String d = device.trim().toLowerCase(Locale.ROOT);
    if (d.equals("cpu")) {
      return d;
    }
    if (d.equals("cuda") || d.matches("cuda:\\d+")) {
      if (!torch.cuda_is_available()) {
        throw new IllegalArgumentException(
            "--device " + device + ": no CUDA device is available to this LibTorch build"
                + " (the default build is CPU-only; build with -Pgpu on a machine with an NVIDIA GPU)");
      }
      return d;
    }
    throw new IllegalArgumentException("--device " + device + ": expected cpu, cuda or cuda:N");
  }

  private static ScalarType parseDtype(String dtype) {
    return parseDtype(dtype, "--dtype");
  }

  private static ScalarType parseDtype(String dtype, String option) {
    switch (dtype.trim().toLowerCase(Locale.ROOT)) {
      case "float32":
      case "fp32":
        return ScalarType.Float;
      case "bfloat16":
      case "bf16":
        return ScalarType.BFloat16;
      case "float16":
      case "fp16":
        return ScalarType.Half;
      default:
        throw new IllegalArgumentException(option + " " + dtype + ": expected float32, bfloat16 or float16");
    }
  }

  public Device device() {
    return new Device(deviceName);
  }

  public boolean isCuda() {
    return deviceName.startsWith("cuda");
  }

  public String dtypeName() {
    return name(dtype);
  }

  private static String name(ScalarType dtype) {
    switch (dtype) {
      case Float:
        return "float32";
      case BFloat16:
        return "bfloat16";
      case Half:
        return "float16";
      default:
        return dtype.toString();
    }
  }

  @Override
  public String toString() {
    return deviceName + "/" + dtypeName() + (textDtype != null && textDtype.value != dtype.value ? " (text encoders " + name(textDtype) + ")" : "");
  }
}
