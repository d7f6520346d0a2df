package dev.lemica.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cache.StaticSchedulePolicy;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** LeMiCa's published lists: each a valid 50-step schedule whose budget is its name's. */
class PublishedSchedulesTest {
  @Test
  void everyListIsAValid50StepScheduleOfItsBudget() {
    Map<String, List<Integer>> budgets = new TreeMap<>();
    for (PublishedSchedules.Preset p : PublishedSchedules.all()) {
      Schedule s = p.schedule();
      assertEquals(50, s.steps(), p.name());
      assertEquals(p.budget(), s.budget(), p.name());
      assertEquals(p.budget(), s.computedSteps().length, p.name());
      assertTrue(s.computes(0) && s.computes(49), p.name());
      assertTrue(p.name().endsWith(":B" + s.budget()), p.name());
      // Schedule.of validated it; rebuilding from its own list gives the same schedule.
      assertEquals(s, Schedule.parseList(50, s.toList()), p.name());
      budgets.computeIfAbsent(p.model(), m -> new java.util.ArrayList<>()).add(p.budget());
    }
    assertEquals(List.of(26, 20, 15, 10), budgets.get("flux1-dev"));
    assertEquals(List.of(25, 17, 10), budgets.get("qwen-image"));
    assertEquals(List.of(25, 20, 17, 14), budgets.get("wan2.1-t2v-1.3b"));
    assertEquals(List.of(25, 20, 17, 14), budgets.get("wan2.1-t2v-14b"));
  }

  @Test
  void listsAreTheAuthorsSteps() {
    assertArrayEquals(
        new int[] {0, 1, 2, 3, 4, 5, 6, 7, 9, 12, 15, 19, 24, 31, 38, 43, 46, 47, 48, 49},
        PublishedSchedules.resolve("lemica:flux1-dev:B20", 50, false).computedSteps());
    assertArrayEquals(
        new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 22, 29, 36, 42, 49},
        PublishedSchedules.resolve("lemica:qwen-image:B17", 50, false).computedSteps());
    assertArrayEquals(
        new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 16, 20, 26, 33, 40, 45, 48, 49},
        PublishedSchedules.resolve("lemica:wan2.1-t2v-1.3b:B20", 50, false).computedSteps());
    assertArrayEquals(
        new int[] {0, 1, 2, 3, 4, 5, 7, 10, 17, 24, 31, 38, 45, 49},
        PublishedSchedules.resolve("lemica:wan2.1-t2v-14b:B14", 50, false).computedSteps());
  }

  @Test
  void resolvesThroughScheduleSourceAsTheCliDoes() {
    StaticSchedulePolicy p = ScheduleSource.parse("lemica:flux1-dev:B10", 50, false);
    assertEquals("lemica:flux1-dev:B10 10/50", p.describe());
    assertEquals(10, p.schedule().budget());
    // Another step count only with --retarget, which keeps the budget.
    Exception e = assertThrows(IllegalArgumentException.class, () -> ScheduleSource.parse("lemica:flux1-dev:B10", 28, false));
    assertTrue(e.getMessage().contains("published it for 50 steps but sampling runs 28 (add --retarget"), e.getMessage());
    Schedule retargeted = ScheduleSource.parse("lemica:flux1-dev:B10", 28, true).schedule();
    assertEquals(28, retargeted.steps());
    assertEquals(10, retargeted.budget());
  }

  @Test
  void anUnknownNameListsTheKnownOnes() {
    Exception e = assertThrows(IllegalArgumentException.class, () -> ScheduleSource.parse("lemica:flux1-dev:B21", 50, false));
    assertTrue(e.getMessage().startsWith("--schedule lemica:flux1-dev:B21: unknown preset (known: lemica:flux1-dev:B26,"), e.getMessage());
  }
}
