package dev.lemica.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cache.StaticSchedulePolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScheduleSourceTest {
  @TempDir Path model;

  /** An errors file for T=6 where skipping late steps is free and early ones costly. */
  private void writeErrors() throws IOException {
    Files.createDirectories(model.resolve("lemica"));
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      StringBuilder row = new StringBuilder();
      for (int j = 0; j < 6; j++) {
        String v = j <= i ? "null" : j == i + 1 ? "0" : String.valueOf((j - i) * (6 - i) / 10.0);
        row.append(j == 0 ? "" : ",").append(v);
      }
      rows.append(i == 0 ? "" : ",").append("[").append(row).append("]");
    }
    Files.writeString(model.resolve(ScheduleSource.CALIBRATED_ERRORS), "{\"steps\": 6, \"errors\": [" + rows + "]}");
  }

  @Test
  void aBudgetUsesTheModelsCalibrationWhenItHasOne() throws IOException {
    StaticSchedulePolicy uniform = ScheduleSource.forBudget(model, 6, 4);
    assertTrue(uniform.describe().startsWith("uniform"), uniform.describe());
    assertEquals(Schedule.uniform(6, 4), uniform.schedule());

    writeErrors();
    StaticSchedulePolicy lemica = ScheduleSource.forBudget(model, 6, 4);
    assertEquals("lemica lex-minimax 4/6", lemica.describe());
    // Paths of 4 steps: 0,1,3,5 has the smallest worst edge (w(1,3)=1.0; 0,1,2,5 would need w(2,5)=1.2).
    assertEquals(Schedule.of(6, 0, 1, 3, 5), lemica.schedule());

    StaticSchedulePolicy otherSteps = ScheduleSource.forBudget(model, 8, 4);
    assertTrue(otherSteps.describe().startsWith("uniform"), "a calibration for 6 steps does not serve 8");
  }

  @Test
  void parsesListsAndRejectsGarbage() {
    assertEquals(Schedule.of(5, 0, 2, 4), ScheduleSource.parse("0, 2,4", 5, false).schedule());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ScheduleSource.parse("0;2;4", 5, false));
    assertTrue(e.getMessage().contains("neither a file nor a list"), e.getMessage());
  }
}
