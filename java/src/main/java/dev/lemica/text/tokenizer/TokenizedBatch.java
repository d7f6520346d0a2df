package dev.lemica.text.tokenizer;

import dev.lemica.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

/** Token ids and attention masks of a batch, every row of one length (transformers' input_ids / attention_mask). */
public record TokenizedBatch(long[][] ids, long[][] mask) {
  public TokenizedBatch {
    if (ids.length != mask.length) {
      throw new IllegalArgumentException("ids and mask have " + ids.length + " and " + mask.length + " rows");
    }
    for (int i = 0; i < ids.length; i++) {
      if (ids[i].length != ids[0].length || mask[i].length != ids[i].length) {
        throw new IllegalArgumentException("row " + i + " of ids/mask does not have the length of row 0");
      }
    }
  }

  public int batch() {
    return ids.length;
  }

  public int length() {
    return ids.length == 0 ? 0 : ids[0].length;
  }

  /** int64 (B, L) on the CPU. */
  public Tensor idsTensor() {
    return Tensors.fromLongs(flatten(ids), batch(), length());
  }

  /** int64 (B, L) on the CPU. */
  public Tensor maskTensor() {
    return Tensors.fromLongs(flatten(mask), batch(), length());
  }

  /** The number of mask == 1 positions of each row: its true length. */
  public int[] lengths() {
    int[] out = new int[mask.length];
    for (int i = 0; i < mask.length; i++) {
      for (long m : mask[i]) {
        if (m == 1) {
          out[i]++;
        }
      }
    }
    return out;
  }

  private long[] flatten(long[][] rows) {
    long[] out = new long[batch() * length()];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, out, i * length(), length());
    }
    return out;
  }
}
