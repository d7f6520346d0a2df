package dev.lemica.text;

import dev.lemica.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * The checks every text encoder makes on its inputs before it runs, so that a bad id or mask is one
 * line naming the fault rather than an index error deep inside LibTorch.
 */
public final class EncoderInputs {
  private EncoderInputs() {}

  /**
   * @param ids (batch, tokens) integer ids, each in [0, vocabSize)
   * @param mask null, or 0/1 values of the shape of {@code ids}
   */
  public static void check(Tensor ids, Tensor mask, int vocabSize) {
    if (ids.dim() != 2 || ids.size(1) == 0 || ids.size(0) == 0) {
      throw new IllegalArgumentException("input_ids " + Tensors.shapeString(ids) + " must be (batch, tokens)");
    }
    if (ids.is_floating_point()) {
      throw new IllegalArgumentException("input_ids must hold integers (int64), got a floating-point tensor");
    }
    long low = ids.min().item_long();
    long high = ids.max().item_long();
    if (low < 0 || high >= vocabSize) {
      throw new IllegalArgumentException(
          "input_ids hold id " + (low < 0 ? low : high) + ", outside the vocabulary [0, " + vocabSize + ")");
    }
    if (mask != null) {
      if (!Tensors.sameShape(ids, mask)) {
        throw new IllegalArgumentException(
            "attention_mask " + Tensors.shapeString(mask) + " must have the shape of input_ids " + Tensors.shapeString(ids));
      }
      if (mask.min().item_double() < 0 || mask.max().item_double() > 1 || mask.ne(mask.round()).any().item_bool()) {
        throw new IllegalArgumentException("attention_mask must hold 0 and 1 only");
      }
    }
  }
}
