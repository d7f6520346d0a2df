package dev.lemica.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NativeMemoryLimitTest {
  /** Prints JavaCPP's physical-memory limit, after lifting it when asked to. */
  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("lift")) {
      NativeMemoryLimit.lift();
    }
    System.out.println(org.bytedeco.javacpp.Pointer.maxPhysicalBytes());
    NativeMemoryLimit.warnIfLimited();
  }

  private static String[] run(String... args) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String[] command = new String[5 + args.length];
    command[0] = java;
    command[1] = "-Xmx64m";
    command[2] = "-cp";
    command[3] = System.getProperty("java.class.path");
    command[4] = NativeMemoryLimitTest.class.getName();
    System.arraycopy(args, 0, command, 5, args.length);
    Process p = new ProcessBuilder(command).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertEquals(0, p.waitFor(), err);
    return new String[] {out, err};
  }

  @Test
  void liftedBeforeJavaCppStartsMeansNoLimitAndNoWarning() throws Exception {
    String[] r = run("lift");
    assertEquals("0", r[0]);
    assertEquals("", r[1]);
  }

  @Test
  void aLimitInForceIsNamedWithTheFlagThatLiftsIt() throws Exception {
    // With a 64 MB heap JavaCPP's default limit is a fraction of any machine's memory.
    String[] r = run();
    assertTrue(Long.parseLong(r[0]) > 0, r[0]);
    assertTrue(r[1].startsWith("warning: JavaCPP stops native allocations at"), r[1]);
    assertTrue(r[1].contains("-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"), r[1]);
    assertEquals(1, r[1].lines().count(), r[1]);
  }
}
