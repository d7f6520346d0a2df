package dev.lemica.model.mmdit;

import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Attention;
import dev.lemica.nn.Linear;
import dev.lemica.nn.QkNorm;
import dev.lemica.nn.Qkv;
import dev.lemica.nn.QkvProjection;
import dev.lemica.torch.Temporaries;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * MMDiT joint attention: text and image streams have projections of their own but attend as one
 * sequence, text first ([text; image]), and leave through output projections of their own. The
 * parameter names are those FLUX's {@code FluxAttention} and Qwen-Image's {@code Attention} share:
 * {@code to_q/k/v}, {@code norm_q/k}, {@code to_out.0} for the image stream, {@code add_q/k/v_proj},
 * {@code norm_added_q/k}, {@code to_add_out} for the text stream.
 */
public final class JointAttention {
  private final QkvProjection image;
  private final QkvProjection text;
  private final Linear imageOut;
  private final Linear textOut;

  /**
   * @param qkNorm how a per-head RMS norm of {@code weight} applies (the families differ in rounding)
   */
  public JointAttention(WeightLoader w, String prefix, int dim, int heads, int headDim, QkNormFactory qkNorm) {
    image =
        QkvProjection.fused(
            w.fusedLinear(List.of(prefix + ".to_q", prefix + ".to_k", prefix + ".to_v"), dim, dim),
            heads,
            QkNorm.perHead(
                qkNorm.of(w.load(prefix + ".norm_q.weight", headDim)), qkNorm.of(w.load(prefix + ".norm_k.weight", headDim))));
    text =
        QkvProjection.fused(
            w.fusedLinear(List.of(prefix + ".add_q_proj", prefix + ".add_k_proj", prefix + ".add_v_proj"), dim, dim),
            heads,
            QkNorm.perHead(
                qkNorm.of(w.load(prefix + ".norm_added_q.weight", headDim)),
                qkNorm.of(w.load(prefix + ".norm_added_k.weight", headDim))));
    imageOut = w.linear(prefix + ".to_out.0", dim, dim);
    textOut = w.linear(prefix + ".to_add_out", dim, dim);
  }

  /** Makes the q/k norm of one weight vector. */
  @FunctionalInterface
  public interface QkNormFactory {
    UnaryOperator<Tensor> of(Tensor weight);
  }

  /**
   * @param rope rotates q and k of the joint [text; image] sequence, null for none
   * @param mask see {@link Attention#attend(Qkv, Tensor)} over the joint sequence, null for none
   * @return {text output, image output}
   */
  public Tensor[] apply(Tensor textIn, Tensor imageIn, UnaryOperator<Tensor> rope, Tensor mask) {
    return Temporaries.freeingAll(() -> {
      Qkv joint = text.project(textIn).followedBy(image.project(imageIn)).rotated(rope);
      Tensor attended = Attention.attend(joint, mask);
      long textTokens = textIn.size(1);
      return new Tensor[] {
        textOut.apply(attended.narrow(1, 0, textTokens).contiguous()),
        imageOut.apply(attended.narrow(1, textTokens, imageIn.size(1)).contiguous())
      };
    });
  }
}
