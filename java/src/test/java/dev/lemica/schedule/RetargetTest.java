package dev.lemica.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class RetargetTest {

  @Test
  void shrinking50To30MapsOnTheNormalisedAxis() {
    Schedule s = Schedule.of(50, 0, 10, 20, 30, 40, 49);
    // round(s * 29 / 49): 0, 5.92 -> 6, 11.84 -> 12, 17.76 -> 18, 23.67 -> 24, 29
    assertArrayEquals(new int[] {0, 6, 12, 18, 24, 29}, Retarget.toSteps(s, 30).computedSteps());
  }

  @Test
  void growing50To80MapsOnTheNormalisedAxis() {
    Schedule s = Schedule.of(50, 0, 1, 2, 3, 7, 12, 20, 33, 49);
    // round(s * 79 / 49): 1.61 -> 2, 3.22 -> 3, 4.84 -> 5, 11.29 -> 11, 19.35 -> 19, 32.24 -> 32, 53.2 -> 53
    assertArrayEquals(new int[] {0, 2, 3, 5, 11, 19, 32, 53, 79}, Retarget.toSteps(s, 80).computedSteps());
  }

  @Test
  void collisionsArePushedForwardThenPulledBackFromTheEnd() {
    // Dense early steps collide when 50 -> 10: targets 0, 0.18 -> 0, 0.37 -> 0, 0.55 -> 1, 9.
    Schedule early = Schedule.of(50, 0, 1, 2, 3, 49);
    assertArrayEquals(new int[] {0, 1, 2, 3, 9}, Retarget.toSteps(early, 10).computedSteps());
    // Dense late steps: targets 0, 8.63 -> 9, 8.82 -> 9, 9; pushed forward to 0, 9, 10, (last) 9,
    // then pulled back in front of the last step: 0, 7, 8, 9.
    Schedule late = Schedule.of(50, 0, 47, 48, 49);
    assertArrayEquals(new int[] {0, 7, 8, 9}, Retarget.toSteps(late, 10).computedSteps());
    Schedule lateFive = Schedule.of(50, 0, 46, 47, 48, 49);
    assertArrayEquals(new int[] {0, 6, 7, 8, 9}, Retarget.toSteps(lateFive, 10).computedSteps());
  }

  @Test
  void aBudgetLargerThanTheNewStepCountComputesEveryStep() {
    Schedule s = Schedule.uniform(50, 20);
    assertEquals(Schedule.full(10), Retarget.toSteps(s, 10));
    assertEquals(Schedule.full(20), Retarget.toSteps(s, 20));
  }

  @Test
  void sameStepCountIsTheSameSchedule() {
    Schedule s = Schedule.uniform(50, 20);
    assertSame(s, Retarget.toSteps(s, 50));
  }

  @Test
  void degenerateStepCounts() {
    assertEquals(Schedule.of(1, 0), Retarget.toSteps(Schedule.uniform(50, 5), 1));
    assertEquals(Schedule.of(7, 0, 6), Retarget.toSteps(Schedule.of(1, 0), 7));
    assertEquals(Schedule.of(2, 0, 1), Retarget.toSteps(Schedule.uniform(50, 5), 2));
  }

  @Test
  void propertiesOnRandomSchedules() {
    SplittableRandom rnd = new SplittableRandom(3);
    for (int round = 0; round < 3000; round++) {
      int steps = 2 + rnd.nextInt(120);
      TreeSet<Integer> set = new TreeSet<>();
      set.add(0);
      set.add(steps - 1);
      int extra = rnd.nextInt(steps - 1);
      for (int k = 0; k < extra; k++) {
        set.add(rnd.nextInt(steps));
      }
      Schedule s = Schedule.of(steps, set.stream().mapToInt(Integer::intValue).toArray());
      int target = 2 + rnd.nextInt(150);
      Schedule t = Retarget.toSteps(s, target);
      assertEquals(target, t.steps());
      assertEquals(Math.min(s.budget(), target), t.budget(), s + " -> " + target);
      if (target >= steps) {
        // Growing never collides, and coming back is exact.
        assertEquals(s, Retarget.toSteps(t, steps), s + " -> " + t);
        int[] a = s.computedSteps();
        int[] b = t.computedSteps();
        for (int k = 0; k < a.length; k++) {
          assertEquals((2L * a[k] * (target - 1) + (steps - 1)) / (2L * (steps - 1)), b[k]);
        }
      }
      if (s.budget() <= target) {
        // Without collisions each step lands within half a step (on the new grid) of its place.
        int[] a = s.computedSteps();
        int[] b = t.computedSteps();
        boolean collision = false;
        for (int k = 1; k < a.length; k++) {
          collision |= round(a[k], steps, target) == round(a[k - 1], steps, target);
        }
        if (!collision) {
          for (int k = 0; k < a.length; k++) {
            assertTrue(Math.abs(b[k] - (double) a[k] * (target - 1) / (steps - 1)) <= 0.5, s + " -> " + t);
          }
        }
      }
    }
  }

  private static long round(int s, int steps, int target) {
    return (2L * s * (target - 1) + (steps - 1)) / (2L * (steps - 1));
  }
}
