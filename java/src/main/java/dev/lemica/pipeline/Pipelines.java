package dev.lemica.pipeline;

import dev.lemica.model.ComputeTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Opens a model folder as a pipeline. A diffusers folder is assembled by its
 * {@code model_index.json} {@code _class_name}, the way diffusers' {@code DiffusionPipeline.from_pretrained}
 * dispatches; a LeMiCa model folder (the embedded model's layout, {@code scheduler.json}) opens as
 * {@link TextToVideoPipeline}; an Open-Sora 1.2 folder (no model_index.json: its {@code inference.json},
 * or a {@code transformer/} of architecture STDiT3) opens as {@link
 * dev.lemica.pipeline.opensora.OpenSoraPipeline}. Components load when their phase needs them.
 */
public final class Pipelines {
  /** Assembles a pipeline of one diffusers class from its folder's index. */
  @FunctionalInterface
  public interface Factory {
    DiffusionPipeline open(ModelIndex index, ComputeTarget target);
  }

  private static final Map<String, Factory> FACTORIES = new TreeMap<>();

  static {
    FACTORIES.put(dev.lemica.pipeline.wan.WanPipeline.CLASS_NAME, dev.lemica.pipeline.wan.WanPipeline::open);
    FACTORIES.put(dev.lemica.pipeline.cogvideox.CogVideoXPipeline.CLASS_NAME, dev.lemica.pipeline.cogvideox.CogVideoXPipeline::open);
    FACTORIES.put(dev.lemica.pipeline.latte.LattePipeline.CLASS_NAME, dev.lemica.pipeline.latte.LattePipeline::open);
    FACTORIES.put(dev.lemica.pipeline.flux.FluxPipeline.CLASS_NAME, dev.lemica.pipeline.flux.FluxPipeline::open);
    FACTORIES.put(dev.lemica.pipeline.qwenimage.QwenImagePipeline.CLASS_NAME, dev.lemica.pipeline.qwenimage.QwenImagePipeline::open);
  }

  private Pipelines() {}

  /** Registers (or replaces) the factory for a model_index.json {@code _class_name}. */
  public static synchronized void register(String className, Factory factory) {
    FACTORIES.put(className, factory);
  }

  public static synchronized java.util.Set<String> supported() {
    return java.util.Set.copyOf(FACTORIES.keySet());
  }

  public static DiffusionPipeline open(Path folder, ComputeTarget target) {
    dev.lemica.torch.NativeMemoryLimit.warnIfLimited();
    if (ModelIndex.present(folder)) {
      ModelIndex index = ModelIndex.read(folder);
      Factory factory;
      synchronized (Pipelines.class) {
        factory = FACTORIES.get(index.className());
      }
      if (factory == null) {
        throw new IllegalArgumentException(
            index.file() + ": _class_name '" + index.className() + "' is not a supported pipeline (supported: "
                + String.join(", ", new TreeMap<>(FACTORIES).keySet()) + ")");
      }
      return factory.open(index, target);
    }
    if (Files.isRegularFile(folder.resolve("scheduler.json"))) {
      return TextToVideoPipeline.load(folder, target);
    }
    if (dev.lemica.pipeline.opensora.OpenSoraPipeline.recognises(folder)) {
      return dev.lemica.pipeline.opensora.OpenSoraPipeline.open(folder, target);
    }
    if (!Files.isDirectory(folder)) {
      throw new IllegalArgumentException(folder + ": no such model folder");
    }
    throw new IllegalArgumentException(
        folder + ": not a model folder (no model_index.json of a diffusers pipeline, nor a LeMiCa scheduler.json, nor Open-Sora's inference.json or STDiT3 transformer/)");
  }
}
