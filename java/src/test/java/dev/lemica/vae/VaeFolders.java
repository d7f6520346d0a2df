package dev.lemica.vae;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.testing.Golden;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/** Spoilt copies of the golden VAE folders, for the tests that feed bad configs and checkpoints. */
public final class VaeFolders {
  public static final String WEIGHTS = "diffusion_pytorch_model.safetensors";

  private VaeFolders() {}

  /** The golden's config.json with each (key, JSON value) pair set. */
  public static String configWith(String golden, String... keysAndValues) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = (ObjectNode) json.readTree(Golden.dir(golden).resolve("config.json").toFile());
    for (int i = 0; i < keysAndValues.length; i += 2) {
      root.set(keysAndValues[i], json.readTree(keysAndValues[i + 1]));
    }
    return json.writeValueAsString(root);
  }

  /** A copy of a golden VAE folder at {@code folder}, with config.json replaced by {@code config} unless it is null. */
  public static Path copyWith(Path folder, String golden, String config) throws IOException {
    Path source = Golden.dir(golden);
    Files.createDirectories(folder);
    Files.copy(source.resolve(WEIGHTS), folder.resolve(WEIGHTS));
    Files.writeString(folder.resolve("config.json"), config == null ? Files.readString(source.resolve("config.json")) : config);
    return folder;
  }

  /** Rewrites the folder's weights with every tensor renamed by {@code rename}, and {@code extra} added. */
  public static void rewriteWeights(Path folder, UnaryOperator<String> rename, Map<String, Tensor> extra) throws IOException {
    SafetensorsWriter writer = new SafetensorsWriter();
    try (SafetensorsFile weights = SafetensorsFile.open(folder.resolve(WEIGHTS))) {
      for (String name : weights.names()) {
        writer.put(rename.apply(name), weights.tensor(name));
      }
      extra.forEach(writer::put);
      Path rewritten = folder.resolve(WEIGHTS + ".new");
      writer.write(rewritten);
      Files.move(rewritten, folder.resolve(WEIGHTS), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Cuts the last {@code bytes} bytes off a file. */
  public static void truncate(Path file, long bytes) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(f.length() - bytes);
    }
  }

  /** A config made from the golden's by setting one key to a JSON value. */
  @FunctionalInterface
  public interface ConfigEdit {
    String with(String key, String json) throws IOException;
  }

  /**
   * Each case {key, JSON value, expected fault}: the edited config, written to {@code dir}, is refused
   * by {@link Vaes#withRandomWeights} in one line naming the file and containing the fault.
   */
  public static void assertRefused(Path dir, ConfigEdit edit, String[][] cases) {
    for (String[] c : cases) {
      Path config = dir.resolve(c[0] + ".json");
      dev.lemica.testing.OneLine.assertOneLine(config.toString(), c[2], () -> {
        Files.writeString(config, edit.with(c[0], c[1]));
        Vaes.withRandomWeights(dev.lemica.model.ModelConfig.read(config), dev.lemica.model.ComputeTarget.CPU_FLOAT32, 1).close();
      });
    }
  }
}
