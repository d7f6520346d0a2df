package dev.lemica.model;

import java.util.Locale;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Where and in which precision a model computes. Parsed from the CLI's {@code --device} and
 * {@code --dtype}; asking for CUDA where none exists fails here, before any weight is loaded.
 */
public record ComputeTarget(String deviceName, ScalarType dtype) {

  public static final ComputeTarget CPU_FLOAT32 = new ComputeTarget("cpu", ScalarType.Float);

  public static ComputeTarget parse(String device, String dtype) {
    return new ComputeTarget(parseDevice(device), parseDtype(dtype));
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
        throw new IllegalArgumentException("--dtype " + dtype + ": expected float32, bfloat16 or float16");
    }
  }

  public Device device() {
    return new Device(deviceName);
  }

  public boolean isCuda() {
    return deviceName.startsWith("cuda");
  }

  public String dtypeName() {
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
    return deviceName + "/" + dtypeName();
  }
}
