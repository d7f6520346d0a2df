package dev.lemica.pipeline;

import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.Models;
import dev.lemica.safetensors.Checkpoints;
import dev.lemica.text.t5.T5Encoder;
import dev.lemica.text.tokenizer.HfTokenizer;
import dev.lemica.vae.VideoAutoencoder;
import dev.lemica.vae.Vaes;
import java.util.List;
import java.util.function.Function;

/**
 * The components of a T5-conditioned video pipeline folder (Wan2.1, CogVideoX, Latte): the tokenizer,
 * loaded at once, and the text encoder, transformer and VAE, each loaded when a phase uses it and kept
 * or freed per {@link Residency}. Opening reads every weight file's header, so that a truncated file
 * fails before the text encoder has run.
 */
public final class T5PipelineComponents implements AutoCloseable {
  private final HfTokenizer tokenizer;
  private final LazyComponent<T5Encoder> textEncoder;
  private final LazyComponent<DiffusionTransformer> transformer;
  private final LazyComponent<VideoAutoencoder> vae;

  private T5PipelineComponents(ModelIndex index, ComputeTarget target, Residency residency) {
    for (String component : List.of("text_encoder", "transformer", "vae")) {
      Checkpoints.openFolder(index.folderOf(component)).close();
    }
    var textFolder = index.folderOf("text_encoder");
    var transformerFolder = index.folderOf("transformer");
    var vaeFolder = index.folderOf("vae");
    tokenizer = HfTokenizer.load(index.folderOf("tokenizer"));
    textEncoder = new LazyComponent<>(() -> T5Encoder.load(textFolder, target.textEncoders()), residency);
    transformer = new LazyComponent<>(() -> Models.load(transformerFolder, target), residency);
    vae = new LazyComponent<>(() -> Vaes.load(vaeFolder, target), residency);
  }

  /** Checks the weight headers and loads the tokenizer of {@code index}'s folder; the rest loads on use. */
  public static T5PipelineComponents open(ModelIndex index, ComputeTarget target, Residency residency) {
    return new T5PipelineComponents(index, target, residency);
  }

  public HfTokenizer tokenizer() {
    return tokenizer;
  }

  public <R> R withTextEncoder(Function<T5Encoder, R> work) {
    return textEncoder.use(work);
  }

  /** Nested uses share one load (how calibration keeps the transformer between runs). */
  public <R> R withTransformer(Function<DiffusionTransformer, R> work) {
    return transformer.use(work);
  }

  public <R> R withVae(Function<VideoAutoencoder, R> work) {
    return vae.use(work);
  }

  @Override
  public void close() {
    tokenizer.close();
    textEncoder.close();
    transformer.close();
    vae.close();
  }
}
