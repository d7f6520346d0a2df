package dev.lemica.text.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

/**
 * The DJL binding of the Hugging Face tokenizers library, set up so that it never reaches for the
 * network and survives a read-only home:
 *
 * <ul>
 *   <li>offline mode ({@code ai.djl.offline=true}) and {@code RUST_FLAVOR=cpu}, unless the user set
 *       them: otherwise, on a machine with CUDA, DJL tries to download a GPU build of its native
 *       library, which tokenizing does not need;
 *   <li>DJL extracts the CPU library from its jar into {@code ENGINE_CACHE_DIR} or
 *       {@code DJL_CACHE_DIR}, else {@code ~/.djl.ai} (or {@code java.io.tmpdir/.djl.ai} when the
 *       home is not writable), under {@code tokenizers/<version>-cpu-<platform>/}. When neither
 *       variable is set and that folder cannot be written, {@code ENGINE_CACHE_DIR} is pointed at
 *       {@code java.io.tmpdir/lemica-djl-<user>} instead.
 * </ul>
 *
 * These are system properties read when DJL's classes initialise, so {@link #prepare} runs before
 * any DJL class is touched.
 */
final class NativeTokenizers {
  private static boolean prepared;

  private NativeTokenizers() {}

  static synchronized void prepare() {
    if (prepared) {
      return;
    }
    setUnlessGiven("ai.djl.offline", "DJL_OFFLINE", "true");
    setUnlessGiven("RUST_FLAVOR", "RUST_FLAVOR", "cpu");
    cacheOverride(System.getenv(), System.getProperties(), Path.of(System.getProperty("user.home", "/")), tmp(), user())
        .ifPresent(dir -> System.setProperty("ENGINE_CACHE_DIR", dir.toString()));
    prepared = true;
  }

  private static void setUnlessGiven(String property, String env, String value) {
    if (System.getProperty(property) == null && System.getenv(env) == null) {
      System.setProperty(property, value);
    }
  }

  /**
   * Where DJL must extract its library instead of its default, or empty to keep the default: a
   * fallback under {@code tmp} when the user set no cache folder and DJL's default cannot be written.
   */
  static java.util.Optional<Path> cacheOverride(Map<String, String> env, java.util.Properties props, Path home, Path tmp, String user) {
    for (String key : new String[] {"ENGINE_CACHE_DIR", "DJL_CACHE_DIR"}) {
      if (env.get(key) != null || props.getProperty(key) != null) {
        return java.util.Optional.empty();
      }
    }
    // DJL's own default (ai.djl.util.Utils.getCacheDir): the home if writable, else the temp folder.
    Path base = Files.isWritable(home) && Files.isDirectory(home) ? home : tmp;
    if (writable(base.resolve(".djl.ai").resolve("tokenizers"))) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(tmp.resolve("lemica-djl-" + user));
  }

  private static boolean writable(Path dir) {
    try {
      Files.createDirectories(dir);
      return Files.isDirectory(dir) && Files.isWritable(dir);
    } catch (IOException | SecurityException e) {
      return false;
    }
  }

  private static Path tmp() {
    return Path.of(System.getProperty("java.io.tmpdir", "/tmp"));
  }

  private static String user() {
    return System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
  }

  /**
   * A native tokenizer from checked JSON text; {@code describe} turns the library's error into the
   * one-line message the caller shows.
   */
  static HuggingFaceTokenizer create(String json, Map<String, String> options, Function<String, IllegalArgumentException> describe) {
    prepare();
    try {
      return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), options);
    } catch (IOException e) {
      throw describe.apply(e.getMessage());
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      if (e.getClass().getName().equals("ai.djl.engine.EngineException") || e instanceof UnsatisfiedLinkError) {
        throw new IllegalStateException(
            "the Hugging Face tokenizers native library (DJL) did not load: " + firstLine(rootMessage(e))
                + " (set DJL_CACHE_DIR to a writable folder)");
      }
      throw describe.apply("the tokenizers library rejects it: " + firstLine(e.getMessage()));
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }

  static String firstLine(String s) {
    return s == null ? "unknown error" : s.lines().findFirst().orElse(s);
  }
}
