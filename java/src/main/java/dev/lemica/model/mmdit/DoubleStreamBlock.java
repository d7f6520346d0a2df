package dev.lemica.model.mmdit;

import dev.lemica.model.Modules;
import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Activation;
import dev.lemica.nn.AdaLn;
import dev.lemica.nn.AdaLnModulation;
import dev.lemica.nn.FeedForward;
import dev.lemica.nn.HalfPrecision;
import dev.lemica.torch.Temporaries;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * The MMDiT double-stream block of FLUX ({@code FluxTransformerBlock}) and Qwen-Image
 * ({@code QwenImageTransformerBlock}), which compute the same thing under different parameter
 * names: each stream gets six adaLN-Zero vectors from the conditioning (shift, scale, gate for the
 * attention, then for the MLP), both attend jointly, then each runs its own gelu-tanh MLP; every
 * residual is gated. Norms and modulation run in the compute dtype, as both do in diffusers.
 */
public final class DoubleStreamBlock {
  private static final double EPS = 1e-6;

  /** A family's parameter names, relative to the block's prefix. */
  public record Names(String imageModulation, String textModulation, String imageMlp, String textMlp) {
    public static final Names FLUX = new Names("norm1.linear", "norm1_context.linear", "ff", "ff_context");
    public static final Names QWEN_IMAGE = new Names("img_mod.1", "txt_mod.1", "img_mlp", "txt_mlp");
  }

  private final AdaLnModulation imageModulation;
  private final AdaLnModulation textModulation;
  private final JointAttention attention;
  private final FeedForward imageMlp;
  private final FeedForward textMlp;
  /** diffusers clips the image stream to the float16 range in Qwen-Image but not in FLUX's double blocks. */
  private final boolean clipImageInFloat16;

  public DoubleStreamBlock(
      WeightLoader w, String prefix, Names names, int heads, int headDim, JointAttention.QkNormFactory qkNorm, boolean clipImageInFloat16) {
    int dim = heads * headDim;
    imageModulation = Modules.modulation(w, prefix + "." + names.imageModulation(), dim, 6);
    textModulation = Modules.modulation(w, prefix + "." + names.textModulation(), dim, 6);
    attention = new JointAttention(w, prefix + ".attn", dim, heads, headDim, qkNorm);
    imageMlp = Modules.feedForward(w, prefix + "." + names.imageMlp(), dim, 4L * dim, dim, Activation.GELU_TANH);
    textMlp = Modules.feedForward(w, prefix + "." + names.textMlp(), dim, 4L * dim, dim, Activation.GELU_TANH);
    this.clipImageInFloat16 = clipImageInFloat16;
  }

  /** The image stream's attention input, norm1(image)·(1+scale)+shift: what TeaCache-style policies compare. */
  public Tensor modulatedImageInput(Tensor image, Tensor temb) {
    TensorVector m = imageModulation.apply(temb);
    return AdaLn.modulateLayerNorm(image, m.get(0), m.get(1), EPS);
  }

  /**
   * @param temb (batch, dim) conditioning
   * @param rope rotates q and k of the joint [text; image] sequence
   * @param mask attention mask over the joint sequence, null for none
   * @return {text, image} after the block, as diffusers returns (encoder_hidden_states, hidden_states)
   */
  public Tensor[] apply(Tensor text, Tensor image, Tensor temb, UnaryOperator<Tensor> rope, Tensor mask) {
    TensorVector im = imageModulation.apply(temb);
    TensorVector tm = textModulation.apply(temb);
    Tensor textIn = text;
    Tensor imageIn = image;
    // Each sub-layer frees its temporaries as it ends (Temporaries).
    Tensor[] attended = Temporaries.freeingAll(() -> attention.apply(
        AdaLn.modulateLayerNorm(textIn, tm.get(0), tm.get(1), EPS), AdaLn.modulateLayerNorm(imageIn, im.get(0), im.get(1), EPS), rope, mask));

    Tensor imageMid = AdaLn.gatedResidual(imageIn, attended[1], im.get(2));
    Tensor imageOut = Temporaries.freeing(
        () -> AdaLn.gatedResidual(imageMid, imageMlp.apply(AdaLn.modulateLayerNorm(imageMid, im.get(3), im.get(4), EPS)), im.get(5)));

    Tensor textMid = AdaLn.gatedResidual(textIn, attended[0], tm.get(2));
    Tensor textOut = Temporaries.freeing(
        () -> AdaLn.gatedResidual(textMid, textMlp.apply(AdaLn.modulateLayerNorm(textMid, tm.get(3), tm.get(4), EPS)), tm.get(5)));
    return new Tensor[] {HalfPrecision.clip(textOut), clipImageInFloat16 ? HalfPrecision.clip(imageOut) : imageOut};
  }
}
