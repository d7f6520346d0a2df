package dev.lemica.model.flux;

import dev.lemica.model.Modules;
import dev.lemica.model.WeightLoader;
import dev.lemica.nn.Activation;
import dev.lemica.nn.AdaLn;
import dev.lemica.nn.AdaLnModulation;
import dev.lemica.nn.HalfPrecision;
import dev.lemica.nn.Linear;
import dev.lemica.nn.MultiHeadAttention;
import dev.lemica.nn.Norms;
import dev.lemica.nn.QkNorm;
import dev.lemica.nn.QkvProjection;
import dev.lemica.torch.Temporaries;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * FLUX's single-stream block ({@code FluxSingleTransformerBlock}): text and image joined into one
 * sequence, one adaLN-Zero modulation, attention and a gelu-tanh MLP side by side on the same
 * input, their outputs concatenated into one projection, one gated residual.
 */
final class FluxSingleBlock {
  private static final double EPS = 1e-6;

  private final AdaLnModulation modulation;
  private final MultiHeadAttention attention;
  private final Linear projMlp;
  private final Linear projOut;

  FluxSingleBlock(WeightLoader w, String prefix, FluxConfig c) {
    int dim = c.dim();
    int mlp = 4 * dim;
    modulation = Modules.modulation(w, prefix + ".norm.linear", dim, 3);
    String a = prefix + ".attn";
    Tensor normQ = w.load(a + ".norm_q.weight", c.headDim());
    Tensor normK = w.load(a + ".norm_k.weight", c.headDim());
    attention =
        new MultiHeadAttention(
            QkvProjection.fused(
                w.fusedLinear(List.of(a + ".to_q", a + ".to_k", a + ".to_v"), dim, dim),
                c.heads(),
                QkNorm.perHead(x -> Norms.rmsNorm(x, normQ, EPS), x -> Norms.rmsNorm(x, normK, EPS))),
            null);
    projMlp = w.linear(prefix + ".proj_mlp", mlp, dim);
    projOut = w.linear(prefix + ".proj_out", dim, dim + mlp);
  }

  /**
   * @param rope rotates q and k of the joint [text; image] sequence
   * @return {text, image} after the block (views of one joint tensor), as diffusers returns them
   */
  Tensor[] apply(Tensor text, Tensor image, Tensor temb, UnaryOperator<Tensor> rope) {
    Tensor joint = torch.cat(new TensorVector(text, image), 1);
    TensorVector m = modulation.apply(temb);
    Tensor jointIn = joint;
    // Attention and the MLP branch read the same normed input; their temporaries (the 4×-wide MLP
    // activation, the concatenation) are freed once proj_out has read them.
    Tensor out = Temporaries.freeing(() -> {
      Tensor normed = AdaLn.modulateLayerNorm(jointIn, m.get(0), m.get(1), EPS);
      Tensor mlp = Activation.GELU_TANH.applyInPlace(projMlp.apply(normed));
      Tensor attended = attention.apply(normed, null, rope, null);
      return projOut.apply(torch.cat(new TensorVector(attended, mlp), 2));
    });
    joint = HalfPrecision.clip(AdaLn.gatedResidual(jointIn, out, m.get(2)));
    long textTokens = text.size(1);
    return new Tensor[] {joint.narrow(1, 0, textTokens), joint.narrow(1, textTokens, image.size(1))};
  }
}
