package dev.lemica.vae;

import dev.lemica.model.ComputeTarget;
import dev.lemica.model.ModelConfig;
import dev.lemica.model.WeightLoader;
import dev.lemica.safetensors.Checkpoints;
import dev.lemica.vae.cogvideox.AutoencoderKLCogVideoX;
import dev.lemica.vae.kl.AutoencoderKL;
import dev.lemica.vae.opensora.OpenSoraVae;
import dev.lemica.vae.opensora.OpenSoraVaeConfig;
import dev.lemica.vae.wan.AutoencoderKLWan;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Loads a VAE from a diffusers folder, choosing the implementation by its config's {@code
 * _class_name} (as {@link dev.lemica.model.Models} does for transformers), or for Open-Sora's
 * transformers-style config by its {@code architectures}. Accepts the {@code vae/}
 * folder itself or a pipeline folder holding {@code vae/}.
 */
public final class Vaes {
  @FunctionalInterface
  interface Loader {
    VideoAutoencoder load(ModelConfig config, WeightLoader weights);
  }

  private static final Map<String, Loader> LOADERS =
      new TreeMap<>(
          Map.of(
              AutoencoderKLWan.CLASS_NAME, AutoencoderKLWan::load,
              AutoencoderKLWan.QWEN_IMAGE_CLASS_NAME, AutoencoderKLWan::load,
              AutoencoderKL.CLASS_NAME, AutoencoderKL::load,
              AutoencoderKLCogVideoX.CLASS_NAME, AutoencoderKLCogVideoX::load,
              OpenSoraVaeConfig.ARCHITECTURE, OpenSoraVae::load));

  private static final Set<String> PRESETS =
      new TreeSet<>(Set.of("wan2.1-vae", "qwen-image-vae", "flux.1-vae", "sd-vae-ft-ema", "cogvideox1.5-vae", "opensora-1.2-vae"));

  private Vaes() {}

  /** The {@code _class_name}s (and Open-Sora's architecture name) this registry can load. */
  public static Set<String> supported() {
    return LOADERS.keySet();
  }

  /** The folder holding the VAE's config.json and weights: {@code dir} itself or {@code dir/vae}. */
  public static Path vaeFolder(Path dir) {
    if (Files.isRegularFile(dir.resolve("config.json"))) {
      return dir;
    }
    Path nested = dir.resolve("vae");
    if (Files.isRegularFile(nested.resolve("config.json"))) {
      return nested;
    }
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(dir + ": no such model folder");
    }
    throw new IllegalArgumentException(dir + ": not a diffusers VAE folder (no config.json, nor vae/config.json)");
  }

  public static VideoAutoencoder load(Path vaeFolderOrPipelineFolder, ComputeTarget target) {
    Path folder = vaeFolder(vaeFolderOrPipelineFolder);
    ModelConfig config = ModelConfig.read(folder.resolve("config.json"));
    Loader loader = loader(config);
    WeightLoader weights = new WeightLoader(folder, Checkpoints.openFolder(folder), target);
    try {
      VideoAutoencoder vae = loader.load(config, weights);
      Set<String> unused = weights.unused();
      if (!unused.isEmpty()) {
        throw new IllegalArgumentException(
            folder + ": the checkpoint holds " + unused.size() + " tensors config.json does not account for (first: '"
                + unused.iterator().next() + "'), so the config does not describe these weights");
      }
      return vae;
    } catch (RuntimeException e) {
      weights.close();
      throw e;
    }
  }

  /**
   * The architecture of {@code config} with made-up weights (see {@link WeightLoader#random}): for
   * speed and memory measurements without a checkpoint; the outputs mean nothing.
   */
  public static VideoAutoencoder withRandomWeights(ModelConfig config, ComputeTarget target, long seed) {
    return loader(config).load(config, WeightLoader.random(target, seed));
  }

  /**
   * A bundled VAE config by name, for {@link #withRandomWeights}: {@code wan2.1-vae} (as in
   * Wan2.1-T2V-1.3B-Diffusers/vae), {@code qwen-image-vae} (Qwen/Qwen-Image/vae), {@code flux.1-vae}
   * (black-forest-labs/FLUX.1-dev/vae), {@code sd-vae-ft-ema} (stabilityai/sd-vae-ft-ema, the VAE
   * Latte-1 ships), {@code cogvideox1.5-vae} (THUDM/CogVideoX1.5-5B/vae) and {@code opensora-1.2-vae}
   * (hpcai-tech/OpenSora-VAE-v1.2, with the spatial VAE config of
   * PixArt-alpha/pixart_sigma_sdxlvae_T5_diffusers/vae).
   */
  public static ModelConfig preset(String name) {
    if (!PRESETS.contains(name)) {
      throw new IllegalArgumentException("VAE preset '" + name + "': unknown (known: " + String.join(", ", PRESETS) + ")");
    }
    String resource = "/dev/lemica/presets/vae/" + name + ".json";
    try (InputStream in = Vaes.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("resource " + resource + " is missing from the build");
      }
      return ModelConfig.parse(in.readAllBytes(), Path.of("preset " + name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Loader loader(ModelConfig config) {
    // Open-Sora's config is transformers-style: no _class_name, the class in "architectures".
    boolean openSora = config.optional("_class_name").isEmpty() && OpenSoraVaeConfig.describes(config);
    String className = openSora ? OpenSoraVaeConfig.ARCHITECTURE : config.className();
    Loader loader = LOADERS.get(className);
    if (loader == null) {
      throw new IllegalArgumentException(
          config.file() + ": _class_name '" + className + "' is not a supported VAE (supported: "
              + String.join(", ", LOADERS.keySet()) + ")");
    }
    return loader;
  }
}
