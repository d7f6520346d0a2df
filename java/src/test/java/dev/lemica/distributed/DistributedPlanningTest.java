package dev.lemica.distributed;

import static dev.lemica.testing.OneLine.assertOneLine;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.calibration.EdgeErrors;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The parts of the distributed package that need no second process: environment, plans, splits, assignment, output filter. */
class DistributedPlanningTest {
  static Map<String, String> env(String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  static Map<String, String> launched(int rank, int world) {
    return env("RANK", "" + rank, "WORLD_SIZE", "" + world, "LOCAL_RANK", "" + rank, "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", "29500");
  }

  @Test
  void theEnvironmentFollowsTorchrun() {
    assertTrue(DistributedEnvironment.from(env()).isEmpty(), "no WORLD_SIZE: one process");
    assertTrue(DistributedEnvironment.from(env("WORLD_SIZE", "1", "RANK", "0")).isEmpty(), "a world of one joins nothing");
    DistributedEnvironment e = DistributedEnvironment.from(launched(1, 4)).orElseThrow();
    assertEquals(1, e.rank());
    assertEquals(4, e.worldSize());
    assertEquals(29500, e.masterPort());
    assertEquals(DistributedEnvironment.DEFAULT_TIMEOUT, e.timeout());
    Map<String, String> m = launched(0, 2);
    m.put("LEMICA_DIST_TIMEOUT", "2.5");
    assertEquals(Duration.ofMillis(2500), DistributedEnvironment.from(m).orElseThrow().timeout());
    assertTrue(DistributedEnvironment.from(m).orElseThrow().leads());
  }

  @Test
  void aBrokenEnvironmentIsOneLine() {
    Map<String, String> m = launched(0, 2);
    m.put("RANK", "abc");
    assertOneLine("RANK=abc", "not an integer", () -> DistributedEnvironment.from(m));
    Map<String, String> big = launched(2, 2);
    assertOneLine("RANK=2", "must be in 0..1", () -> DistributedEnvironment.from(big));
    Map<String, String> noPort = launched(0, 2);
    noPort.remove("MASTER_PORT");
    assertOneLine("MASTER_PORT is not set", "torchrun", () -> DistributedEnvironment.from(noPort));
    Map<String, String> port = launched(0, 2);
    port.put("MASTER_PORT", "70000");
    assertOneLine("MASTER_PORT=70000", "TCP port", () -> DistributedEnvironment.from(port));
    Map<String, String> timeout = launched(0, 2);
    timeout.put("LEMICA_DIST_TIMEOUT", "-1");
    assertOneLine("LEMICA_DIST_TIMEOUT=-1", "positive number of seconds", () -> DistributedEnvironment.from(timeout));
    Map<String, String> world = launched(0, 2);
    world.put("WORLD_SIZE", "two");
    assertOneLine("WORLD_SIZE=two", "not an integer", () -> DistributedEnvironment.from(world));
    Map<String, String> none = launched(0, 2);
    none.put("WORLD_SIZE", "0");
    assertOneLine("WORLD_SIZE=0", "must be at least 1", () -> DistributedEnvironment.from(none));
    Map<String, String> local = launched(1, 2);
    local.put("LOCAL_RANK", "-1");
    assertOneLine("LOCAL_RANK=-1", "must not be negative", () -> DistributedEnvironment.from(local));
    Map<String, String> forever = launched(0, 2);
    forever.put("LEMICA_DIST_TIMEOUT", "1e300");
    assertOneLine("LEMICA_DIST_TIMEOUT=1e300", "up to 31536000", () -> DistributedEnvironment.from(forever));
    Map<String, String> noHost = launched(0, 2);
    noHost.put("MASTER_ADDR", " ");
    assertOneLine("MASTER_ADDR is not set", "torchrun", () -> DistributedEnvironment.from(noHost));
  }

  @Test
  void plansFollowTheRanksAndTheGuidance() {
    assertEquals(new ParallelPlan(2, 1), ParallelPlan.of(ParallelPlan.Mode.AUTO, 2, true));
    assertEquals(new ParallelPlan(1, 2), ParallelPlan.of(ParallelPlan.Mode.AUTO, 2, false));
    assertEquals(new ParallelPlan(2, 2), ParallelPlan.of(ParallelPlan.Mode.AUTO, 4, true));
    assertEquals(new ParallelPlan(1, 3), ParallelPlan.of(ParallelPlan.Mode.AUTO, 3, true));
    assertEquals(new ParallelPlan(1, 4), ParallelPlan.of(ParallelPlan.Mode.ULYSSES, 4, true));
    assertEquals(new ParallelPlan(2, 3), ParallelPlan.of(ParallelPlan.Mode.CFG, 6, true));
    assertEquals(new ParallelPlan(1, 1), ParallelPlan.of(ParallelPlan.Mode.CFG, 1, false), "one rank: nothing to split");
    assertEquals("cfg 2 x ulysses 2", new ParallelPlan(2, 2).describe());
    assertOneLine("--parallel cfg needs 2 or 2xk ranks", "got 3", () -> ParallelPlan.of(ParallelPlan.Mode.CFG, 3, true));
    assertOneLine("--parallel cfg: this run has no unconditional branch", "ulysses", () -> ParallelPlan.of(ParallelPlan.Mode.CFG, 2, false));
    assertOneLine("--parallel ring", "expected auto, ulysses or cfg", () -> ParallelPlan.Mode.parse("ring"));
  }

  @Test
  void unevenSplitsCoverEveryItemOnceInOrder() {
    for (long total : new long[] {9, 12, 60, 61}) {
      for (int parts = 1; parts <= 5; parts++) {
        UlyssesAttention.Split s = new UlyssesAttention.Split(total, parts);
        long next = 0;
        for (int m = 0; m < parts; m++) {
          assertEquals(next, s.offset(m), total + " over " + parts + ": member " + m);
          assertTrue(s.count(m) == total / parts || s.count(m) == total / parts + 1);
          next += s.count(m);
        }
        assertEquals(total, next);
        assertEquals(s.count(0), s.largest());
      }
    }
  }

  @Test
  void ulyssesRefusesFewerHeadsThanRanks() {
    UlyssesAttention four = new UlyssesAttention(fakeGroup(1, 4));
    assertOneLine("--parallel ulysses: the model's 2 attention heads do not split over 4 ranks", "--parallel cfg", () -> four.split(48, 2));
    assertOneLine("--parallel ulysses: a sequence of 3 tokens", "4 ranks", () -> four.split(3, 8));
    assertEquals(2, four.split(9, 4).localTokens(), "9 tokens over 4 ranks: 3, 2, 2, 2");
    assertEquals(3, new UlyssesAttention(fakeGroup(0, 4)).split(9, 4).localTokens());
  }

  static Communicator fakeGroup(int rank, int size) {
    return new Communicator() {
      @Override
      public int rank() {
        return rank;
      }

      @Override
      public int size() {
        return size;
      }

      @Override
      public org.bytedeco.pytorch.Tensor allGather(org.bytedeco.pytorch.Tensor local, Duration timeout) {
        throw new UnsupportedOperationException();
      }

      @Override
      public org.bytedeco.pytorch.Tensor allToAll(org.bytedeco.pytorch.Tensor send, long[] sendCounts, long[] receiveCounts) {
        throw new UnsupportedOperationException();
      }

      @Override
      public void barrier() {}
    };
  }

  @Test
  void groupsAreBalancedByTheirCostAndEveryRankComputesTheSameAssignment() {
    EdgeErrors errors = new EdgeErrors(50, 12, 2);
    int[] owner = GroupAssignment.balance(errors, 4);
    long[] load = new long[4];
    long total = 0;
    long largest = 0;
    for (int j = 2; j < 50; j++) {
      assertTrue(owner[j] >= 0 && owner[j] < 4, "group " + j + " has an owner");
      load[owner[j]] += errors.groupCost(j);
      total += errors.groupCost(j);
      largest = Math.max(largest, errors.groupCost(j));
    }
    long max = java.util.Arrays.stream(load).max().orElseThrow();
    long min = java.util.Arrays.stream(load).min().orElseThrow();
    assertTrue(max - min <= largest, "loads " + java.util.Arrays.toString(load) + " differ by at most one group");
    assertTrue(max <= total / 4 + largest, "no rank gets more than its share plus one group");
    assertArrayEquals(owner, GroupAssignment.balance(errors, 4), "deterministic");
    assertEquals(-1, owner[0]);
    assertEquals(-1, owner[1]);
  }

  @Test
  void measuredGroupsAreNotAssignedAgain() {
    EdgeErrors errors = new EdgeErrors(6, 3, 1);
    for (int i : errors.startsEndingAt(3)) {
      errors.set(0, i, 3, 0.5);
    }
    int[] owner = GroupAssignment.balance(errors, 2);
    assertEquals(-1, owner[3]);
    List<Integer> assigned = new ArrayList<>();
    for (int j = 2; j < 6; j++) {
      if (owner[j] >= 0) {
        assigned.add(j);
      }
    }
    assertEquals(List.of(2, 4, 5), assigned);
    // costs (T-j)|edges|: j=2: 4, j=4: 4, j=5: 2 -> 4 | 4+2
    assertNotEquals(owner[2], owner[4], "the two largest groups go to different ranks");
  }

  @Test
  void theLauncherPassesRankZeroAndKeepsOtherRanksErrorLines() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream to = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    List<String> errors = new ArrayList<>();
    Launcher.RankFilter zero = new Launcher.RankFilter(to, "", errors::add);
    String text = "[Gloo] Rank 0 is connected to 1 peer ranks. Expected number of connected peer ranks is : 1\n"
        + "\rsampling  50% [##  ]\rsampling 100% [####]\nwrote out.gif\nerror: it broke\n[Glad] not Gloo\npartial";
    byte[] in = text.getBytes(StandardCharsets.UTF_8);
    // Byte by byte: a line's fate must not depend on how the pipe chunks it.
    for (byte b : in) {
      zero.write(new byte[] {b}, 1);
    }
    zero.finish();
    assertEquals("\rsampling  50% [##  ]\rsampling 100% [####]\nwrote out.gif\nerror: it broke\n[Glad] not Gloo\npartial", bytes.toString(StandardCharsets.UTF_8));
    assertEquals(List.of("error: it broke"), errors);

    ByteArrayOutputStream none = new ByteArrayOutputStream();
    List<String> others = new ArrayList<>();
    Launcher.RankFilter one = new Launcher.RankFilter(null, "[rank 1] ", others::add);
    byte[] lines = "warning: noisy\nerror: rank 1 lost its peers\nerr\n".getBytes(StandardCharsets.UTF_8);
    one.write(lines, lines.length);
    one.finish();
    assertEquals(0, none.size());
    assertEquals(List.of("error: rank 1 lost its peers"), others);
  }
}
