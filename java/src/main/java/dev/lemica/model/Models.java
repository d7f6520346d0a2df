package dev.lemica.model;

import dev.lemica.model.opensora.Stdit3Config;
import dev.lemica.model.opensora.Stdit3Transformer;
import dev.lemica.model.wan.WanConfig;
import dev.lemica.model.wan.WanTransformer;
import dev.lemica.safetensors.Checkpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Loads a transformer from a diffusers folder, choosing the implementation by the config's
 * {@code _class_name}. Accepts the transformer folder itself or a pipeline folder holding
 * {@code transformer/}.
 */
public final class Models {
  @FunctionalInterface
  interface Loader {
    DiffusionTransformer load(ModelConfig config, WeightLoader weights);
  }

  private static final Map<String, Loader> LOADERS = new TreeMap<>(Map.of(WanConfig.CLASS_NAME, WanTransformer::load, Stdit3Config.CLASS_NAME, Stdit3Transformer::load));

  private Models() {}

  /** The folder holding the transformer's config.json and weights. */
  public static Path transformerFolder(Path modelDir) {
    if (Files.isRegularFile(modelDir.resolve("config.json"))) {
      return modelDir;
    }
    Path nested = modelDir.resolve("transformer");
    if (Files.isRegularFile(nested.resolve("config.json"))) {
      return nested;
    }
    if (!Files.isDirectory(modelDir)) {
      throw new IllegalArgumentException(modelDir + ": no such model folder");
    }
    throw new IllegalArgumentException(
        modelDir + ": not a diffusers model folder (no config.json, nor transformer/config.json)");
  }

  /**
   * The architecture of {@code config} with made-up weights (see {@link WeightLoader#random}): for
   * speed and memory benchmarks of models whose checkpoints are not at hand.
   */
  public static DiffusionTransformer withRandomWeights(ModelConfig config, ComputeTarget target, long seed) {
    Loader loader = LOADERS.get(config.className());
    if (loader == null) {
      throw new IllegalArgumentException(
          config.file() + ": _class_name '" + config.className() + "' is not supported (supported: "
              + String.join(", ", LOADERS.keySet()) + ")");
    }
    return loader.load(config, WeightLoader.random(target, seed));
  }

  /** The bundled transformer configs {@link #preset} knows. */
  public static final java.util.List<String> PRESETS = java.util.List.of("wan2.1-t2v-1.3b", "wan2.1-t2v-14b", "opensora-1.2");

  /** A bundled config by name (see {@link #PRESETS}). */
  public static ModelConfig preset(String name) {
    String resource = "/dev/lemica/presets/" + name + ".json";
    try (java.io.InputStream in = Models.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("--preset " + name + ": unknown (known: " + String.join(", ", PRESETS) + ")");
      }
      return ModelConfig.parse(in.readAllBytes(), Path.of("preset " + name));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public static DiffusionTransformer load(Path modelDir, ComputeTarget target) {
    Path folder = transformerFolder(modelDir);
    ModelConfig config = ModelConfig.read(folder.resolve("config.json"));
    String className = config.className();
    Loader loader = LOADERS.get(className);
    if (loader == null) {
      throw new IllegalArgumentException(
          config.file() + ": _class_name '" + className + "' is not supported (supported: "
              + String.join(", ", LOADERS.keySet()) + ")");
    }
    WeightLoader weights = new WeightLoader(folder, Checkpoints.openFolder(folder), target);
    try {
      return loader.load(config, weights);
    } catch (RuntimeException e) {
      weights.close();
      throw e;
    }
  }
}
