package dev.lemica.safetensors;

import java.util.Arrays;

/** One tensor of a safetensors header: where its bytes lie relative to the start of the data section. */
public record TensorEntry(String name, Dtype dtype, long[] shape, long begin, long end) {

  public long numel() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  public long byteLength() {
    return end - begin;
  }

  @Override
  public String toString() {
    return name + " " + dtype + Arrays.toString(shape);
  }
}
