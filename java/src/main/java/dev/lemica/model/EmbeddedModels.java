package dev.lemica.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The model shipped inside the jar: shapes-wan-t2v, a 7M-parameter Wan2.1-architecture text-to-video
 * model trained on moving shapes. It gives real denoising dynamics on a CPU, so every command works
 * out of the box. From a jar it is unpacked once into the user cache, since weights are memory-mapped
 * from files.
 */
public final class EmbeddedModels {
  public static final String SHAPES_WAN_T2V = "shapes-wan-t2v";
  private static final String ROOT = "/dev/lemica/models/" + SHAPES_WAN_T2V + "/";
  /** Lists the model's files, since a jar cannot be listed like a folder. */
  private static final String MANIFEST = "files.txt";
  /** Bump when the embedded files change, so stale unpacked copies are not reused. */
  private static final String VERSION = "3";

  private EmbeddedModels() {}

  /** The folder of the embedded model, unpacking it on first use when running from a jar. */
  public static synchronized Path shapesWanT2v() {
    URL marker = EmbeddedModels.class.getResource(ROOT + "transformer/config.json");
    if (marker == null) {
      throw new IllegalStateException("the embedded model is missing from the classpath");
    }
    if (marker.getProtocol().equals("file")) {
      try {
        return Path.of(marker.toURI()).getParent().getParent();
      } catch (URISyntaxException e) {
        throw new IllegalStateException(e);
      }
    }
    Path target = cacheRoot().resolve(SHAPES_WAN_T2V + "-v" + VERSION);
    List<String> files = manifest();
    if (files.stream().allMatch(f -> Files.isRegularFile(target.resolve(f)))) {
      return target;
    }
    return unpack(target, files);
  }

  private static List<String> manifest() {
    try (InputStream in = EmbeddedModels.class.getResourceAsStream(ROOT + MANIFEST)) {
      if (in == null) {
        throw new IllegalStateException("the embedded model's " + MANIFEST + " is missing from the jar");
      }
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path cacheRoot() {
    String explicit = System.getenv("LEMICA_CACHE");
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("lemica");
  }

  /** Unpacks beside the target and renames, so a crash mid-way never leaves a half model in use. */
  private static Path unpack(Path target, List<String> files) {
    try {
      Files.createDirectories(target.getParent());
      Path staging = Files.createTempDirectory(target.getParent(), SHAPES_WAN_T2V + ".unpacking");
      for (String f : files) {
        Path out = staging.resolve(f);
        Files.createDirectories(out.getParent());
        try (InputStream in = EmbeddedModels.class.getResourceAsStream(ROOT + f)) {
          if (in == null) {
            throw new IllegalStateException("embedded model file missing from the jar: " + f);
          }
          Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
        }
      }
      try {
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException raced) {
        // Another process unpacked it first; theirs is as good as ours.
        if (!Files.isDirectory(target)) {
          throw raced;
        }
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot unpack the embedded model into " + target + ": " + e.getMessage(), e);
    }
  }
}
