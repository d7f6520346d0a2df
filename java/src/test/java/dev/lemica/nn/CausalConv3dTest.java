package dev.lemica.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class CausalConv3dTest {
  private static CausalConv3d conv(long in, long out) {
    return new CausalConv3d(torch.randn(out, in, 3, 3, 3), torch.randn(out), new long[] {1, 1, 1}, new long[] {1, 1, 1});
  }

  @Test
  void padsTwoZeroFramesInFrontAndKeepsTheShape() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      torch.manual_seed(1);
      CausalConv3d c = conv(2, 3);
      Tensor x = torch.randn(1, 2, 5, 4, 6);
      Tensor y = c.apply(x);
      assertArrayEquals(new long[] {1, 3, 5, 4, 6}, Tensors.shape(y));
      assertEquals(2, c.historyFrames());
      // Frame t sees frames t-2..t only: an explicit zero history equals the zero padding.
      assertEquals(0.0, Tensors.relativeL2(c.apply(x, torch.zeros(1, 2, 2, 4, 6)), y), 1e-7);
      // and changing frame 3 leaves frames 0-2 alone.
      Tensor x2 = x.clone();
      x2.narrow(2, 3, 1).copy_(torch.randn(1, 2, 1, 4, 6));
      Tensor y2 = c.apply(x2);
      assertEquals(0.0, Tensors.relativeL2(y2.narrow(2, 0, 3), y.narrow(2, 0, 3)), 1e-7);
      assertTrue(Tensors.relativeL2(y2.narrow(2, 3, 2), y.narrow(2, 3, 2)) > 0.1);
    }
  }

  /** Chunks of 1, 1, 3 and 2 frames, each in its own scope, through a cache: one pass over the whole. */
  @Test
  void chunksThroughTheCacheEqualOnePass() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        FrameCache cache = new FrameCache()) {
      torch.manual_seed(2);
      CausalConv3d first = conv(2, 4);
      CausalConv3d second = conv(4, 3);
      Tensor x = torch.randn(2, 2, 7, 3, 5);
      Tensor whole = second.apply(first.apply(x));
      TensorVector parts = new TensorVector();
      long at = 0;
      for (long length : new long[] {1, 1, 3, 2}) {
        Tensor part;
        try (PointerScope chunk = new PointerScope()) {
          cache.startChunk();
          part = second.apply(first.apply(x.narrow(2, at, length), cache.next()), cache.next());
          part.retainReference();
        }
        parts.push_back(part);
        part.releaseReference();
        at += length;
      }
      assertEquals(2, cache.size());
      double err = Tensors.relativeL2(torch.cat(parts, 2), whole);
      assertTrue(err < 1e-6, "chunked vs whole " + err);
    }
  }

  @Test
  void lastFramesFollowDiffusersRule() {
    try (PointerScope scope = new PointerScope()) {
      Tensor history = torch.arange(new org.bytedeco.pytorch.Scalar(3)).to(org.bytedeco.pytorch.global.torch.ScalarType.Float).reshape(1, 1, 3, 1, 1);
      Tensor one = torch.full(new long[] {1, 1, 1, 1, 1}, new org.bytedeco.pytorch.Scalar(9.0));
      assertArrayEquals(new float[] {2, 9}, Tensors.toFloats(FrameCache.lastFrames(history, one, 2)));
      assertArrayEquals(new float[] {9}, Tensors.toFloats(FrameCache.lastFrames(null, one, 2)));
      assertArrayEquals(new float[] {1, 2}, Tensors.toFloats(FrameCache.lastFrames(one, history, 2)));
      // A copy, not a view that would keep the whole chunk alive in the cache.
      Tensor kept = FrameCache.lastFrames(null, history, 2);
      history.fill_(new org.bytedeco.pytorch.Scalar(0.0));
      assertArrayEquals(new float[] {1, 2}, Tensors.toFloats(kept));
    }
  }
}
