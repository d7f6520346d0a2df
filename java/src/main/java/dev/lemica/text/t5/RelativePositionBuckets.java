package dev.lemica.text.t5;

import dev.lemica.torch.Tensors;
import java.math.BigInteger;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * T5's bidirectional relative-position buckets (transformers' {@code _relative_position_bucket} with
 * {@code bidirectional=True}): half the buckets for keys after the query, half for keys before;
 * within each half, exact buckets for distances under a quarter of the buckets, then logarithmic
 * bins up to {@code max_distance}, beyond which every distance shares the last bin.
 *
 * <p>The logarithmic bin is {@code floor(log(d / e) / log(m / e) · (h − e))}; it is decided here
 * with integers ({@code d^(h−e) · e^k ≥ m^k · e^(h−e)}), not floats: at d = 16, 32, 64 the value is
 * an exact integer that a logarithm one ulp low would truncate to the bin below.
 */
public final class RelativePositionBuckets {
  private final int half;
  private final int exact;
  private final int maxDistance;
  /** Bucket of each key distance below {@code maxDistance}, for the positive half (the sign adds {@code half}). */
  private final int[] byDistance;

  public RelativePositionBuckets(int numBuckets, int maxDistance) {
    this.half = numBuckets / 2;
    this.exact = half / 2;
    this.maxDistance = maxDistance;
    this.byDistance = new int[maxDistance];
    for (int d = 0; d < maxDistance; d++) {
      byDistance[d] = d < exact ? d : Math.min(exact + logBin(d), half - 1);
    }
  }

  /** The largest k ≤ h − e with (d / e)^(h−e) ≥ (m / e)^k. */
  private int logBin(int distance) {
    int steps = half - exact;
    BigInteger left = BigInteger.valueOf(distance).pow(steps);
    BigInteger e = BigInteger.valueOf(exact);
    BigInteger m = BigInteger.valueOf(maxDistance);
    BigInteger eSteps = e.pow(steps);
    int k = 0;
    while (k < steps && left.multiply(e.pow(k + 1)).compareTo(m.pow(k + 1).multiply(eSteps)) >= 0) {
      k++;
    }
    return k;
  }

  /** The bucket of {@code relative} = key position − query position. */
  public int bucket(int relative) {
    int offset = relative > 0 ? half : 0;
    int d = Math.abs(relative);
    return offset + (d >= maxDistance ? half - 1 : byDistance[d]);
  }

  /** (queries, keys) int64 bucket of every query/key pair, on {@code device}. */
  public Tensor table(int queries, int keys, Device device) {
    long[] out = new long[queries * keys];
    for (int q = 0; q < queries; q++) {
      for (int k = 0; k < keys; k++) {
        out[q * keys + k] = bucket(k - q);
      }
    }
    return Tensors.fromLongs(out, queries, keys).to(device, ScalarType.Long);
  }
}
