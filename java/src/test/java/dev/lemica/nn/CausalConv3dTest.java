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

  private static CausalConv3d firstFrameConv(long in, long out) {
    return new CausalConv3d(torch.randn(out, in, 3, 3, 3), torch.randn(out), new long[] {1, 1, 1}, 2, 1, 1, CausalConv3d.Start.FIRST_FRAME);
  }

  /** CogVideoX's start: two copies of frame 0 in front, the same as giving them as history. */
  @Test
  void firstFrameStartPadsWithCopiesOfTheFirstFrame() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      torch.manual_seed(3);
      CausalConv3d c = firstFrameConv(2, 3);
      Tensor x = torch.randn(1, 2, 4, 3, 5);
      Tensor y = c.apply(x);
      assertArrayEquals(new long[] {1, 3, 4, 3, 5}, Tensors.shape(y));
      Tensor copies = torch.cat(new TensorVector(x.narrow(2, 0, 1), x.narrow(2, 0, 1)), 2);
      assertEquals(0.0, Tensors.relativeL2(c.apply(x, copies), y), 1e-7);
      assertTrue(Tensors.relativeL2(c.apply(x, torch.zeros(1, 2, 2, 3, 5)), y) > 1e-2, "not zero padding");
    }
  }

  /**
   * Groups through the cache equal one pass in CogVideoX's mode too, and a one-frame first group
   * leaves the two copies of its frame (the last k − 1 frames of the padded input), not one frame.
   */
  @Test
  void firstFrameChunksThroughTheCacheEqualOnePass() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        FrameCache cache = new FrameCache()) {
      torch.manual_seed(4);
      CausalConv3d c = firstFrameConv(2, 2);
      Tensor x = torch.randn(1, 2, 6, 2, 3);
      Tensor whole = c.apply(x);
      TensorVector parts = new TensorVector();
      long at = 0;
      for (long length : new long[] {1, 3, 2}) {
        cache.startChunk();
        FrameCache.Slot slot = cache.next();
        parts.push_back(c.apply(x.narrow(2, at, length), slot));
        if (at == 0) {
          assertEquals(2, slot.frames().size(2), "two copies of frame 0");
        }
        at += length;
      }
      double err = Tensors.relativeL2(torch.cat(parts, 2), whole);
      assertTrue(err < 1e-6, "chunked vs whole " + err);
    }
  }

  /** Open-Sora's downsampler: (k − 1) + (1 − stride) = 1 zero frame in front, stride 2 in time. */
  @Test
  void strideTwoWithOneFrontFrame() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      torch.manual_seed(5);
      Tensor w = torch.randn(2, 2, 3, 3, 3);
      CausalConv3d c = new CausalConv3d(w, null, new long[] {2, 1, 1}, 1, 1, 1, CausalConv3d.Start.ZEROS);
      Tensor x = torch.randn(1, 2, 8, 2, 2);
      Tensor y = c.apply(x);
      assertArrayEquals(new long[] {1, 2, 4, 2, 2}, Tensors.shape(y));
      Tensor padded = torch.constant_pad_nd(x, 1, 1, 1, 1, 1, 0);
      Tensor reference = torch.conv3d(padded, w, new org.bytedeco.pytorch.TensorOptional(), new long[] {2, 1, 1}, new long[] {0, 0, 0}, new long[] {1, 1, 1}, 1);
      assertTrue(Tensors.relativeL2(y, reference) < 1e-6);
    }
  }
}
