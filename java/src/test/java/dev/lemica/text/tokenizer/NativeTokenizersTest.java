package dev.lemica.text.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeTokenizersTest {
  @TempDir Path dir;

  @Test
  void theCacheFolderMovesOnlyWhenDjlsDefaultCannotBeWritten() throws IOException {
    Path home = Files.createDirectories(dir.resolve("home"));
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    Properties none = new Properties();
    assertEquals(Optional.empty(), NativeTokenizers.cacheOverride(Map.of(), none, home, tmp, "u"));
    assertTrue(Files.isDirectory(home.resolve(".djl.ai/tokenizers")));
    // The user's choice stands, whatever it is.
    Properties given = new Properties();
    given.setProperty("DJL_CACHE_DIR", "/nowhere");
    assertEquals(Optional.empty(), NativeTokenizers.cacheOverride(Map.of(), given, home, tmp, "u"));
    assertEquals(Optional.empty(), NativeTokenizers.cacheOverride(Map.of("ENGINE_CACHE_DIR", "/x"), none, home, tmp, "u"));
    // A home that is no folder: DJL itself falls back to the temp folder, which works.
    Path fileHome = Files.writeString(dir.resolve("home-file"), "");
    assertEquals(Optional.empty(), NativeTokenizers.cacheOverride(Map.of(), none, fileHome, tmp, "u"));
    // A writable home whose .djl.ai cannot be a folder: DJL would fail, so we point it elsewhere.
    Path blocked = Files.createDirectories(dir.resolve("blocked"));
    Files.writeString(blocked.resolve(".djl.ai"), "");
    assertEquals(Optional.of(tmp.resolve("lemica-djl-u")), NativeTokenizers.cacheOverride(Map.of(), none, blocked, tmp, "u"));
  }

  /** A fresh JVM whose home cannot hold DJL's cache still tokenizes, offline, and says nothing on stderr. */
  @Test
  void aFreshJvmWithAnUnusableHomeTokenizes() throws Exception {
    Path blocked = Files.createDirectories(dir.resolve("blocked"));
    Files.writeString(blocked.resolve(".djl.ai"), "");
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Duser.home=" + blocked, "-Djava.io.tmpdir=" + tmp, "-Duser.name=tester",
        "-cp", System.getProperty("java.class.path"),
        TokenizeMain.class.getName(), Path.of("src/test/resources/golden/wan_pipeline_tiny/tokenizer").toAbsolutePath().toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove("DJL_CACHE_DIR");
    pb.environment().remove("ENGINE_CACHE_DIR");
    Process p = pb.start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), err);
    assertEquals("[14, 15, 1, 0]", out.strip());
    assertEquals("", err.strip(), "no SLF4J or DJL chatter");
    try (var found = Files.walk(tmp.resolve("lemica-djl-tester"))) {
      assertTrue(found.anyMatch(f -> f.getFileName().toString().equals("libtokenizers.so")));
    }
  }

  /** The child of {@link #aFreshJvmWithAnUnusableHomeTokenizes}. */
  public static final class TokenizeMain {
    public static void main(String[] args) {
      try (HfTokenizer t = HfTokenizer.load(Path.of(args[0]))) {
        System.out.println(java.util.Arrays.toString(t.encode(List.of("two cats"), 4).ids()[0]));
      }
    }
  }
}
