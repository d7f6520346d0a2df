package dev.lemica.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.torch.Tensors;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/** Attention over SDPA against an explicit softmax, with each mask form; projections fused and not. */
class AttentionTest {
  @Test
  void matchesAnExplicitSoftmaxPerHead() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Qkv qkv = new Qkv(torch.randn(2, 5, 3, 4), torch.randn(2, 7, 3, 4), torch.randn(2, 7, 3, 4));
      Tensor ours = Attention.attend(qkv);
      Tensor q = qkv.q().transpose(1, 2);
      Tensor scores = q.matmul(qkv.k().transpose(1, 2).transpose(-2, -1)).div(new Scalar(2.0));
      Tensor expected = torch.softmax(scores, -1, new org.bytedeco.pytorch.ScalarTypeOptional()).matmul(qkv.v().transpose(1, 2));
      expected = expected.transpose(1, 2).flatten(2, 3);
      assertTrue(Tensors.relativeL2(ours, expected) < 1e-6, "rel " + Tensors.relativeL2(ours, expected));
    }
  }

  @Test
  void everyMaskFormHidesTheMaskedKeys() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor q = torch.randn(1, 4, 2, 8);
      Tensor k = torch.randn(1, 6, 2, 8);
      Tensor v = torch.randn(1, 6, 2, 8);
      Qkv qkv = new Qkv(q, k, v);
      // Keys 4 and 5 masked: the same as attending to keys 0..3 only.
      Tensor expected = Attention.attend(new Qkv(q, k.narrow(1, 0, 4), v.narrow(1, 0, 4)));
      Tensor keyMask = Tensors.fromFloats(new float[] {1, 1, 1, 1, 0, 0}, 1, 6).to(ScalarType.Bool);
      Tensor additive = Tensors.fromFloats(new float[] {0, 0, 0, 0, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY}, 1, 1, 1, 6);
      for (Tensor mask : List.of(keyMask, keyMask.unsqueeze(1).unsqueeze(1), additive)) {
        Tensor ours = Attention.attend(qkv, mask);
        assertTrue(Tensors.relativeL2(ours, expected) < 1e-6, Tensors.shapeString(mask) + ": " + Tensors.relativeL2(ours, expected));
      }
      // And the masked keys' values really are ignored.
      Tensor changed = torch.cat(new TensorVector(v.narrow(1, 0, 4), torch.randn(1, 2, 2, 8)), 1);
      assertEquals(0.0, Tensors.relativeL2(Attention.attend(new Qkv(q, k, changed), keyMask), Attention.attend(qkv, keyMask)));
    }
  }

  @Test
  void fusedProjectionEqualsSeparateOnesAndNormsApplyWhereTheySay() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      int dim = 12;
      int heads = 3;
      Tensor[] w = {torch.randn(dim, dim), torch.randn(dim, dim), torch.randn(dim, dim)};
      Tensor[] b = {torch.randn(dim), torch.randn(dim), torch.randn(dim)};
      Linear fused = new Linear(torch.cat(new TensorVector(w[0], w[1], w[2]), 0), torch.cat(new TensorVector(b[0], b[1], b[2]), 0));
      Tensor normWeight = torch.rand(dim / heads);
      QkNorm perHead = QkNorm.perHead(x -> Norms.rmsNorm(x, normWeight, 1e-6), x -> Norms.rmsNorm(x, normWeight, 1e-6));
      QkvProjection one = QkvProjection.fused(fused, heads, perHead);
      QkvProjection three = QkvProjection.separate(new Linear(w[0], b[0]), new Linear(w[1], b[1]), new Linear(w[2], b[2]), heads, perHead);
      Tensor x = torch.randn(2, 5, dim);
      Qkv a = one.project(x);
      Qkv c = three.project(x);
      // One wide product and three narrow ones may block their sums differently: equal to rounding.
      assertTrue(Tensors.relativeL2(a.q(), c.q()) < 1e-6);
      assertTrue(Tensors.relativeL2(a.v(), c.v()) < 1e-6);
      // Per head: every head of q has unit RMS before the weight.
      Tensor plain = QkvProjection.fused(fused, heads, QkNorm.perHead(x2 -> Norms.rmsNorm(x2, null, 0), null)).project(x).q();
      Tensor rms = plain.pow(new Scalar(2)).mean(new long[] {-1}, false, new org.bytedeco.pytorch.ScalarTypeOptional());
      assertTrue(Tensors.relativeL2(rms, torch.ones_like(rms)) < 1e-5);
      // Across heads: only the whole row has unit RMS.
      Tensor across = QkvProjection.fused(fused, heads, QkNorm.acrossHeads(x2 -> Norms.rmsNorm(x2, null, 0), null)).project(x).q();
      Tensor rowRms = across.flatten(2, 3).pow(new Scalar(2)).mean(new long[] {-1}, false, new org.bytedeco.pytorch.ScalarTypeOptional());
      assertTrue(Tensors.relativeL2(rowRms, torch.ones_like(rowRms)) < 1e-5);
      assertThrows(IllegalStateException.class, () -> one.project(x, x));
    }
  }

  @Test
  void t5LayerNormIsDiffusersRmsNormAndEqualsTorchsUpToRounding() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor x = torch.randn(3, 7, 16);
      Tensor w = torch.rand(16);
      assertTrue(Tensors.relativeL2(Norms.t5LayerNorm(x, w, 1e-6), Norms.rmsNorm(x, w, 1e-6)) < 1e-6);
      Tensor bf = x.to(ScalarType.BFloat16);
      assertEquals(ScalarType.BFloat16.value, Norms.t5LayerNorm(bf, w.to(ScalarType.BFloat16), 1e-6).scalar_type().value);
    }
  }

  @Test
  void gatedActivationsSplitValueAndGate() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor x = torch.randn(2, 3, 8);
      Tensor value = x.narrow(-1, 0, 4);
      Tensor gate = x.narrow(-1, 4, 4);
      assertEquals(0.0, Tensors.relativeL2(Activation.GEGLU.apply(x), value.mul(torch.gelu(gate, "none"))));
      assertEquals(0.0, Tensors.relativeL2(Activation.SWIGLU.apply(x), value.mul(torch.silu(gate))));
      assertEquals(Activation.GELU_TANH, Activation.ofDiffusersName("gelu-approximate"));
      Exception e = assertThrows(IllegalArgumentException.class, () -> Activation.ofDiffusersName("gelu-fancy"));
      assertTrue(e.getMessage().startsWith("activation 'gelu-fancy' is not supported"), e.getMessage());
      Exception wide = assertThrows(
          IllegalArgumentException.class, () -> new FeedForward(new Linear(torch.randn(4, 3), null), Activation.GEGLU, new Linear(torch.randn(3, 4), null)));
      assertTrue(wide.getMessage().contains("needs 8 inputs"), wide.getMessage());
    }
  }
}
