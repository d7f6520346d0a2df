package dev.lemica.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class TemporariesTest {
  @Test
  void onlyTheResultOutlivesTheBody() {
    try (PointerScope outer = new PointerScope()) {
      Tensor x = torch.arange(new Scalar(4)).to(torch.ScalarType.Float);
      long before = Pointer.totalCount();
      Tensor y = Temporaries.freeing(() -> {
        Tensor a = x.mul(new Scalar(2.0));
        Tensor b = a.add(new Scalar(1.0));
        Tensor c = b.pow(new Scalar(2.0));
        return c.sub(a);
      });
      assertEquals(before + 1, Pointer.totalCount(), "the body's intermediates are freed, the result kept");
      // (2x+1)² - 2x for x = 0..3
      assertEquals(1 + 9 + 25 + 49 - (0 + 2 + 4 + 6), y.sum().item_double(), 1e-6);
      assertSame(outer, PointerScope.getInnerScope());
    }
  }

  @Test
  void theResultBelongsToTheCallersScope() {
    long before = Pointer.totalCount();
    try (PointerScope outer = new PointerScope()) {
      Tensor y = Temporaries.freeing(() -> torch.ones(3).add(new Scalar(1.0)));
      assertEquals(6.0, y.sum().item_double(), 1e-9);
    }
    assertEquals(before, Pointer.totalCount(), "closing the caller's scope frees the result too");
  }

  @Test
  void aBodyReturningItsInputLeavesItTheCallers() {
    long before = Pointer.totalCount();
    try (PointerScope outer = new PointerScope()) {
      Tensor x = torch.ones(5);
      Tensor y = Temporaries.freeing(() -> x);
      assertEquals(5.0, x.sum().item_double(), 1e-9);
      assertEquals(5.0, y.sum().item_double(), 1e-9);
    }
    assertEquals(before, Pointer.totalCount());
  }

  @Test
  void nestedBodiesFreeAtEachLevel() {
    try (PointerScope outer = new PointerScope()) {
      Tensor x = torch.ones(2);
      long before = Pointer.totalCount();
      Tensor y = Temporaries.freeing(() -> {
        Tensor inner = Temporaries.freeing(() -> x.add(new Scalar(1.0)).mul(new Scalar(3.0)));
        return inner.add(new Scalar(1.0)).neg();
      });
      assertEquals(before + 1, Pointer.totalCount());
      assertEquals(-14.0, y.sum().item_double(), 1e-9);
    }
  }
}
