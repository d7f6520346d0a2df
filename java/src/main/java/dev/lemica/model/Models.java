package dev.lemica.model;

import dev.lemica.model.cogvideox.CogVideoXConfig;
import dev.lemica.model.cogvideox.CogVideoXTransformer;
import dev.lemica.model.latte.LatteConfig;
import dev.lemica.model.latte.LatteTransformer;
import dev.lemica.model.flux.FluxConfig;
import dev.lemica.model.flux.FluxTransformer;
import dev.lemica.model.qwenimage.QwenImageConfig;
import dev.lemica.model.qwenimage.QwenImageTransformer;
import dev.lemica.model.opensora.Stdit3Config;
import dev.lemica.model.opensora.Stdit3Transformer;
import dev.lemica.model.wan.WanConfig;
import dev.lemica.model.wan.WanTransformer;
import dev.lemica.safetensors.Checkpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

  /** An implementation, and the rank of the VAE latent its pipelines sample (without the batch). */
  private record Family(Loader loader, int latentRank) {}

  private static final Map<String, Family> FAMILIES =
      new TreeMap<>(
          Map.of(
              WanConfig.CLASS_NAME, new Family(WanTransformer::load, 4),
              Stdit3Config.CLASS_NAME, new Family(Stdit3Transformer::load, 4),
              CogVideoXConfig.CLASS_NAME, new Family(CogVideoXTransformer::load, 4),
              LatteConfig.CLASS_NAME, new Family(LatteTransformer::load, 4),
              FluxConfig.CLASS_NAME, new Family(FluxTransformer::load, 3),
              QwenImageConfig.CLASS_NAME, new Family(QwenImageTransformer::load, 3)));

  /** The bundled configs, real transformer configs of released models (random weights in bench). */
  public static final List<String> PRESETS =
      List.of("wan2.1-t2v-1.3b", "wan2.1-t2v-14b", "opensora-1.2", "cogvideox1.5-5b", "latte-1", "flux.1-dev", "qwen-image");

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
    return family(config).loader().load(config, WeightLoader.random(target, seed));
  }

  /**
   * Bytes the weights of {@code config} take in {@code dtype}, counted by building the model on
   * LibTorch's meta device (shapes without storage): what a run needs before it allocates any.
   */
  public static long weightBytes(ModelConfig config, org.bytedeco.pytorch.global.torch.ScalarType dtype) {
    WeightLoader shapesOnly = WeightLoader.random(new ComputeTarget("meta", dtype), 0);
    try (DiffusionTransformer model = family(config).loader().load(config, shapesOnly)) {
      return shapesOnly.heldBytes();
    }
  }

  /**
   * The rank of the VAE latent, without the batch, that pipelines of {@code config}'s class sample:
   * 4 (C, F, H, W) for video models, 3 (C, H, W) for image models. Known before any weight loads.
   */
  public static int latentRank(ModelConfig config) {
    return family(config).latentRank();
  }

  private static Family family(ModelConfig config) {
    Family family = FAMILIES.get(config.className());
    if (family == null) {
      throw new IllegalArgumentException(
          config.file() + ": _class_name '" + config.className() + "' is not supported (supported: "
              + String.join(", ", FAMILIES.keySet()) + ")");
    }
    return family;
  }

  /** A bundled config by name, one of {@link #PRESETS}. */
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
    Loader loader = family(config).loader();
    WeightLoader weights = new WeightLoader(folder, Checkpoints.openFolder(folder), target);
    try {
      return loader.load(config, weights);
    } catch (RuntimeException e) {
      weights.close();
      throw e;
    }
  }
}
