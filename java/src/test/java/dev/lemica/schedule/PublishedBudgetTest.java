package dev.lemica.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lemica.cache.StaticSchedulePolicy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --budget on a folder of a model LeMiCa published schedules for, without a calibration of its own. */
class PublishedBudgetTest {
  @TempDir Path dir;

  /** A diffusers pipeline folder whose transformer/config.json is a bundled preset, edited. */
  private Path folder(String name, String preset, String key, Object value) throws IOException {
    ObjectNode config;
    try (InputStream in = getClass().getResourceAsStream("/dev/lemica/presets/" + preset + ".json")) {
      config = (ObjectNode) new ObjectMapper().readTree(in);
    }
    if (key != null) {
      if (value instanceof Integer i) {
        config.put(key, i);
      } else {
        config.put(key, (Boolean) value);
      }
    }
    Path f = dir.resolve(name);
    Files.createDirectories(f.resolve("transformer"));
    Files.writeString(f.resolve("transformer/config.json"), config.toString());
    return f;
  }

  @Test
  void aWan13bFolderTakesThePublishedListForItsBudget() throws IOException {
    Path wan = folder("wan", "wan2.1-t2v-1.3b", null, null);
    StaticSchedulePolicy p = ScheduleSource.forBudget(wan, 50, 20);
    assertArrayEquals(PublishedSchedules.resolve("lemica:wan2.1-t2v-1.3b:B20", 50, false).computedSteps(), p.schedule().computedSteps());
    assertEquals("lemica published lemica:wan2.1-t2v-1.3b:B20 20/50", p.describe());
    StaticSchedulePolicy big = ScheduleSource.forBudget(folder("wan14", "wan2.1-t2v-14b", null, null), 50, 14);
    assertArrayEquals(PublishedSchedules.resolve("lemica:wan2.1-t2v-14b:B14", 50, false).computedSteps(), big.schedule().computedSteps());
  }

  @Test
  void anUnpublishedBudgetOrStepCountIsUniformAndSaysWhatWasPublished() throws IOException {
    Path wan = folder("wan", "wan2.1-t2v-1.3b", null, null);
    StaticSchedulePolicy p = ScheduleSource.forBudget(wan, 50, 19);
    assertArrayEquals(Schedule.uniform(50, 19).computedSteps(), p.schedule().computedSteps());
    assertTrue(p.describe().contains("LeMiCa published B=25,20,17,14 for wan2.1-t2v-1.3b"), p.describe());
    StaticSchedulePolicy other = ScheduleSource.forBudget(wan, 30, 20);
    assertArrayEquals(Schedule.uniform(30, 20).computedSteps(), other.schedule().computedSteps());
  }

  @Test
  void architecturesDecideNotFolderNames() throws IOException {
    assertEquals("lemica published lemica:flux1-dev:B15 15/50", ScheduleSource.forBudget(folder("a", "flux.1-dev", null, null), 50, 15).describe());
    assertEquals("lemica published lemica:qwen-image:B17 17/50", ScheduleSource.forBudget(folder("b", "qwen-image", null, null), 50, 17).describe());
    // FLUX.1-schnell has no guidance embedding; a 20-layer Wan, an image-to-video Wan: no published list.
    assertTrue(ScheduleSource.forBudget(folder("c", "flux.1-dev", "guidance_embeds", false), 50, 15).describe().startsWith("uniform (no calibration"));
    assertTrue(ScheduleSource.forBudget(folder("d", "wan2.1-t2v-1.3b", "num_layers", 20), 50, 20).describe().startsWith("uniform (no calibration"));
    assertTrue(ScheduleSource.forBudget(folder("e", "wan2.1-t2v-14b", "in_channels", 36), 50, 20).describe().startsWith("uniform (no calibration"));
  }
}
