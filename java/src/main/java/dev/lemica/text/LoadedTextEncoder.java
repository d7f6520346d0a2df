package dev.lemica.text;

import dev.lemica.model.ComputeTarget;
import dev.lemica.model.WeightLoader;
import dev.lemica.safetensors.Checkpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * What every text encoder built from a {@code text_encoder/} folder shares: the weights it holds
 * (freed by {@link #close}), the compute target, and the load steps around the model's own
 * construction.
 */
public abstract class LoadedTextEncoder implements TextEncoderModel {
  protected final WeightLoader weights;
  private final String className;

  /** @param className the transformers class it implements (a config's {@code architectures[0]}) */
  protected LoadedTextEncoder(WeightLoader weights, String className) {
    this.weights = weights;
    this.className = className;
  }

  /** One line naming the folder when it does not exist. */
  protected static Path requireFolder(Path textEncoderFolder) {
    if (!Files.isDirectory(textEncoderFolder)) {
      throw new IllegalArgumentException(textEncoderFolder + ": no such text encoder folder");
    }
    return textEncoderFolder;
  }

  /**
   * Opens the folder's checkpoint (one file or sharded) and builds the encoder from it; the weights
   * are given back when building fails.
   */
  protected static <T extends LoadedTextEncoder> T open(Path folder, ComputeTarget target, Function<WeightLoader, T> build) {
    WeightLoader weights = new WeightLoader(folder, Checkpoints.openFolder(folder), target);
    try {
      return build.apply(weights);
    } catch (RuntimeException e) {
      weights.close();
      throw e;
    }
  }

  /**
   * Checkpoint tensors of the model's own part ({@code belongs}) that it did not read mean a config
   * that does not fit the weights: one line naming the folder, the first such tensor and
   * {@code hint} (which config keys to look at).
   */
  protected void rejectUnused(Path folder, Predicate<String> belongs, String part, String hint) {
    Set<String> extra = weights.unused().stream().filter(belongs).collect(Collectors.toCollection(TreeSet::new));
    if (!extra.isEmpty()) {
      throw new IllegalArgumentException(
          folder + ": checkpoint holds " + extra.size() + " " + part + " tensor(s) config.json does not account for (e.g. '"
              + extra.iterator().next() + "'): " + hint + " does not fit the weights");
    }
  }

  @Override
  public String className() {
    return className;
  }

  @Override
  public ComputeTarget target() {
    return weights.target();
  }

  @Override
  public void close() {
    weights.close();
  }
}
