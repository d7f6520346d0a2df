package dev.lemica.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The launcher starts real JVMs on 127.0.0.1; a rank that exits before joining stops the run, with one line per rank said once. */
class LauncherTest {
  @Test
  void aRankThatNeverJoinsStopsTheOthersInBoundedTime() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    // Grace long enough for rank 0 to give up by itself (its join timeout is 3 s) rather than be stopped.
    Launch launch = new Launch(2, 1, 0, "127.0.0.1", 0, Duration.ofSeconds(3), RankThatExits.class.getName(), List.of("1", "3"),
        List.of("-Xmx256m"), Map.of(), Duration.ofSeconds(40));
    long start = System.nanoTime();
    int code = new Launcher(launch, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)).run();
    double seconds = (System.nanoTime() - start) / 1e9;
    String errors = err.toString(StandardCharsets.UTF_8);
    assertEquals(3, code, "the first failing rank's exit code: " + errors);
    assertTrue(seconds < 60, "took " + seconds + " s");
    List<String> lines = errors.lines().toList();
    assertEquals(2, lines.size(), errors);
    assertTrue(lines.get(0).startsWith("error: rank 0 of 2: only 1 of 2 ranks joined the rendezvous at 127.0.0.1:"), errors);
    assertTrue(lines.get(1).startsWith("launch: ") && lines.get(1).contains("rank 1 (exit code 3)"), errors);
    assertEquals("", out.toString(StandardCharsets.UTF_8), "nobody passed the barrier");
  }
}
