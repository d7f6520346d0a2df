package dev.lemica.pipeline;

import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.Models;
import dev.lemica.safetensors.Checkpoints;
import dev.lemica.sampling.Sampler;
import dev.lemica.sampling.SamplingContext;
import dev.lemica.sampling.SchedulerConfig;
import dev.lemica.sampling.Schedulers;
import dev.lemica.vae.VideoAutoencoder;
import dev.lemica.vae.Vaes;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.bytedeco.pytorch.Tensor;

/**
 * The frame FluxPipeline and QwenImagePipeline share: a diffusers folder with a transformer on
 * packed latents, a flow-match scheduler set as both pipelines set it, and an image VAE
 * ({@link PackedImageLatents}). Subclasses add their text encoders, defaults and guidance rule.
 *
 * <p>Everything a run needs is checked when the folder opens (component classes and configs by the
 * subclass, the scheduler and every weight header here), so a broken folder fails before any work.
 * Weights load when their phase starts and, by default, are freed when it ends.
 */
public abstract class PackedImagePipeline implements DiffusionPipeline {
  protected final ModelIndex index;
  protected final ComputeTarget target;
  protected final PackedImageLatents latents;
  protected final SchedulerConfig schedulerConfig;
  private final LazyComponent<DiffusionTransformer> transformer;
  private final LazyComponent<VideoAutoencoder> vae;

  /**
   * @param latents the geometry the subclass read from its transformer and VAE configs
   * @param textComponents the text encoders' component names, whose weight headers are checked too
   */
  protected PackedImagePipeline(
      ModelIndex index, ComputeTarget target, Residency residency, PackedImageLatents latents, List<String> textComponents) {
    this.index = index;
    this.target = target;
    this.latents = latents;
    schedulerConfig = SchedulerConfig.read(index.folderOf("scheduler").resolve("scheduler_config.json"));
    Schedulers.fromConfig(schedulerConfig, 28, SamplingContext.NONE.withImageSeqLen(256)); // class and options, now
    // Weight headers now, so that a truncated file fails before any encoder has run.
    for (String component : textComponents) {
      Checkpoints.openFolder(index.folderOf(component)).close();
    }
    Path transformerFolder = index.folderOf("transformer");
    Path vaeFolder = index.folderOf("vae");
    Checkpoints.openFolder(transformerFolder).close();
    Checkpoints.openFolder(vaeFolder).close();
    transformer = new LazyComponent<>(() -> Models.load(transformerFolder, target), residency);
    vae = new LazyComponent<>(() -> Vaes.load(vaeFolder, target), residency);
  }

  @Override
  public Path folder() {
    return index.folder();
  }

  @Override
  public ComputeTarget target() {
    return target;
  }

  /** Images: one frame; the rate only matters to a GIF or MP4 of it. */
  @Override
  public int fps() {
    return 1;
  }

  @Override
  public long[] noiseShape(GenerationSettings s) {
    return latents.noiseShape(s);
  }

  @Override
  public Sampler sampler(GenerationSettings s) {
    return latents.sampler(schedulerConfig, s);
  }

  @Override
  public <R> R withTransformer(Function<DiffusionTransformer, R> work) {
    return transformer.use(work);
  }

  @Override
  public Tensor decode(Tensor packed, GenerationSettings s) {
    return vae.use(v -> latents.decode(v, packed, s));
  }

  /** Frees the text encoders and tokenizers. */
  protected abstract void closeText();

  @Override
  public final void close() {
    closeText();
    transformer.close();
    vae.close();
  }
}
