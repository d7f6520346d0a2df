package dev.lemica.safetensors;

import java.util.Arrays;
import java.util.Optional;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** The safetensors dtypes this project reads and writes, with their LibTorch counterparts. */
public enum Dtype {
  F64(8, ScalarType.Double),
  F32(4, ScalarType.Float),
  F16(2, ScalarType.Half),
  BF16(2, ScalarType.BFloat16),
  I64(8, ScalarType.Long),
  I32(4, ScalarType.Int),
  I16(2, ScalarType.Short),
  I8(1, ScalarType.Char),
  U8(1, ScalarType.Byte),
  BOOL(1, ScalarType.Bool);

  private final int bytes;
  private final ScalarType scalarType;

  Dtype(int bytes, ScalarType scalarType) {
    this.bytes = bytes;
    this.scalarType = scalarType;
  }

  public int bytes() {
    return bytes;
  }

  public ScalarType scalarType() {
    return scalarType;
  }

  public static Optional<Dtype> byName(String name) {
    return Arrays.stream(values()).filter(d -> d.name().equals(name)).findFirst();
  }

  /** Maps a LibTorch dtype; compares by value because enums returned from native code are not interned. */
  public static Dtype of(ScalarType type) {
    return Arrays.stream(values())
        .filter(d -> d.scalarType.value == type.value)
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no safetensors dtype for " + type));
  }
}
