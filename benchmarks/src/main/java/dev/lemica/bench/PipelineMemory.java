package dev.lemica.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lemica.cache.FullCompute;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.ModelConfig;
import dev.lemica.model.Models;
import dev.lemica.model.wan.WanTransformer;
import dev.lemica.pipeline.CachedSampling;
import dev.lemica.pipeline.Conditioning;
import dev.lemica.sampling.FlowMatchEuler;
import dev.lemica.sampling.Guidance;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.StepListener;
import dev.lemica.text.t5.T5Config;
import dev.lemica.text.t5.T5Encoder;
import dev.lemica.vae.VideoAutoencoder;
import dev.lemica.vae.Vaes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Peak resident memory of each phase of a Wan2.1 text-to-video run, the way {@code WanPipeline}
 * orders them: the text encoder is loaded, encodes prompt and negative prompt and is freed; the
 * transformer is loaded, samples with batched CFG and is freed; the VAE is loaded and decodes.
 * Weights are made up at the real architectures' sizes (no checkpoint is needed), so what is
 * measured is the memory of weights plus working set, not of any particular checkpoint's dtype on
 * disk. Each phase gets its own peak window (VmHWM reset), and the RSS after each free shows that
 * the component's memory really went back.
 */
@Command(
    name = "pipeline-memory",
    mixinStandardHelpOptions = true,
    description = {
      "Peak RSS per phase (text encoder, transformer, VAE) of a Wan2.1 T2V run with random weights at",
      "the real sizes (UMT5-XXL, Wan2.1 1.3B or 14B, the Wan VAE). Layer counts and sizes can be cut",
      "to fit a slow machine; the output says what was run."
    })
public final class PipelineMemory implements Callable<Integer> {
  @Option(names = "--dtype", description = "float32 or bfloat16 (default: ${DEFAULT-VALUE}).", defaultValue = "bfloat16")
  String dtype;

  @Option(names = "--transformer", description = "Transformer preset (default: ${DEFAULT-VALUE}).", defaultValue = "wan2.1-t2v-1.3b")
  String transformer;

  @Option(names = "--text-layers", description = "UMT5-XXL blocks to build (default: all 24).")
  Integer textLayers;

  @Option(names = "--text-tokens", description = "Tokens per prompt; WanPipeline pads to max_sequence_length (default: ${DEFAULT-VALUE}).", defaultValue = "512")
  int textTokens;

  @Option(names = "--layers", description = "Transformer blocks to build (default: the preset's).")
  Integer layers;

  @Option(names = "--latent", split = ",", description = "Latent C,F,H,W (default: 16,21,60,104 = 480p x 81 frames).")
  List<Long> latent = List.of(16L, 21L, 60L, 104L);

  @Option(names = "--steps", description = "Sampling steps to run; 0 loads the transformer only (default: ${DEFAULT-VALUE}).", defaultValue = "2")
  int steps;

  @Option(names = "--cfg", description = "batched (one forward of batch 2, as on a GPU) or separate (one branch at a time); default: ${DEFAULT-VALUE}.", defaultValue = "BATCHED",
      converter = BranchesConverter.class)
  GuidedDenoiser.Branches cfg;

  /** batched / separate, case-insensitive. */
  static final class BranchesConverter implements CommandLine.ITypeConverter<GuidedDenoiser.Branches> {
    @Override
    public GuidedDenoiser.Branches convert(String value) {
      return switch (value.toLowerCase(Locale.ROOT)) {
        case "batched" -> GuidedDenoiser.Branches.BATCHED;
        case "separate" -> GuidedDenoiser.Branches.SEPARATE;
        default -> throw new CommandLine.TypeConversionException("--cfg takes batched or separate, not " + value);
      };
    }
  }

  @Option(names = "--decode-latent-frames", description = "Latent frames the VAE decodes (default: all of --latent's).")
  Integer decodeFrames;

  @Option(names = "--skip", split = ",", description = "Phases to skip: text, transformer, vae.")
  List<String> skip = List.of();

  @Option(names = "--report", description = "Also write the figures as JSON.")
  Path report;

  private final ObjectNode out = new ObjectMapper().createObjectNode();

  public static void main(String[] args) {
    dev.lemica.torch.NativeMemoryLimit.lift();
    System.exit(new CommandLine(new PipelineMemory()).execute(args));
  }

  @Override
  public Integer call() throws IOException {
    ComputeTarget target = ComputeTarget.parse("cpu", dtype);
    torch.set_num_threads(Math.max(1, Runtime.getRuntime().availableProcessors()));
    try (InferenceMode inference = new InferenceMode()) {
      torch.ones(1).add(torch.ones(1)).close(); // LibTorch's own start-up memory belongs to the baseline
      long baseline = ProcessMemory.rss();
      print("baseline (JVM + LibTorch)", baseline, baseline, baseline);
      Tensor embeddings = skip.contains("text") ? null : text(target);
      Tensor latents = skip.contains("transformer") ? null : transformer(target, embeddings);
      if (!skip.contains("vae")) {
        vae(target, latents);
      }
    }
    if (report != null) {
      Files.writeString(report, out.toPrettyString());
    }
    return 0;
  }

  private Tensor text(ComputeTarget target) {
    T5Config config = T5Config.preset("umt5-xxl");
    if (textLayers != null) {
      config = config.withLayers(textLayers);
    }
    String what = "text encoder: UMT5-XXL, " + config.layers() + " blocks, 2 x " + textTokens + " tokens";
    ProcessMemory.resetPeak();
    long t0 = System.nanoTime();
    Tensor hidden;
    long loaded;
    try (T5Encoder encoder = T5Encoder.withRandomWeights(config, target, 0)) {
      loaded = ProcessMemory.rss();
      try (PointerScope scope = new PointerScope()) {
        Tensor ids = torch.randint(config.vocabSize(), new long[] {2, textTokens}, new TensorOptions(torch.ScalarType.Long));
        Tensor mask = torch.ones(new long[] {2, textTokens}, new TensorOptions(torch.ScalarType.Long));
        hidden = encoder.lastHiddenState(ids, mask).clone();
        hidden.retainReference();
      }
    }
    System.gc();
    print(what + timing(t0), loaded, ProcessMemory.peak(), ProcessMemory.rss());
    return hidden;
  }

  private Tensor transformer(ComputeTarget target, Tensor embeddings) {
    ModelConfig config = Models.preset(transformer);
    if (layers != null) {
      ObjectNode json = config.json().deepCopy();
      json.put("num_layers", layers);
      config = ModelConfig.parse(json.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8), config.file());
    }
    ProcessMemory.resetPeak();
    long t0 = System.nanoTime();
    long loaded;
    Tensor result;
    try (DiffusionTransformer model = Models.withRandomWeights(config, target, 0);
        PointerScope scope = new PointerScope()) {
      loaded = ProcessMemory.rss();
      int textDim = ((WanTransformer) model).config().textDim();
      TensorOptions options = new TensorOptions(target.dtype());
      Tensor cond = embeddings != null ? embeddings.narrow(0, 1, 1).to(target.dtype()) : torch.randn(new long[] {1, textTokens, textDim}, options);
      Tensor uncond = embeddings != null ? embeddings.narrow(0, 0, 1).to(target.dtype()) : torch.randn(new long[] {1, textTokens, textDim}, options);
      Tensor noise = torch.randn(new long[] {1, latent.get(0), latent.get(1), latent.get(2), latent.get(3)},
          new TensorOptions(torch.ScalarType.Float).device(new DeviceOptional(target.device())));
      Conditioning conditioning = new Conditioning(
          Map.of(WanTransformer.ENCODER_HIDDEN_STATES, cond), Map.of(WanTransformer.ENCODER_HIDDEN_STATES, uncond));
      // A few steps stand for fifty: memory per step does not depend on how many follow. Zero
      // steps measures the loaded weights alone.
      result = steps == 0 ? noise.clone()
          : CachedSampling.run(model, new FlowMatchEuler(steps, 3.0), conditioning, Guidance.classifierFree(5.0), noise,
              FullCompute.INSTANCE, cfg, StepListener.NONE).latents().clone();
      result.retainReference();
    }
    System.gc();
    long tokens = latent.get(1) * (latent.get(2) / 2) * (latent.get(3) / 2);
    print("transformer: " + transformer + ", " + config.requirePositiveInt("num_layers") + " blocks, latent " + latent + " ("
        + tokens + " tokens), " + steps + " steps, " + cfg.toString().toLowerCase(Locale.ROOT) + " CFG" + timing(t0), loaded, ProcessMemory.peak(), ProcessMemory.rss());
    return result;
  }

  private void vae(ComputeTarget target, Tensor latents) {
    ModelConfig config = Vaes.preset("wan2.1-vae");
    long frames = decodeFrames != null ? decodeFrames : latent.get(1);
    ProcessMemory.resetPeak();
    long t0 = System.nanoTime();
    long loaded;
    long videoFrames;
    try (VideoAutoencoder vae = Vaes.withRandomWeights(config, target, 0);
        PointerScope scope = new PointerScope()) {
      loaded = ProcessMemory.rss();
      Tensor z = latents != null ? latents.narrow(2, 0, frames)
          : torch.randn(new long[] {1, latent.get(0), frames, latent.get(2), latent.get(3)}, new TensorOptions(torch.ScalarType.Float));
      videoFrames = vae.decodeNormalized(z.to(target.dtype())).size(2);
    }
    System.gc();
    print("VAE: AutoencoderKLWan decodes " + frames + " latent frames at " + latent.get(2) * 8 + "x" + latent.get(3) * 8
        + " to " + videoFrames + " frames" + timing(t0), loaded, ProcessMemory.peak(), ProcessMemory.rss());
  }

  private static String timing(long t0) {
    return String.format(Locale.ROOT, " [%.0f s]", (System.nanoTime() - t0) / 1e9);
  }

  private final List<String> rows = new ArrayList<>();

  /** One phase: RSS once its component is loaded, the phase's peak and RSS after it freed what it held. */
  private void print(String phase, long loaded, long peak, long after) {
    String row = String.format(Locale.ROOT, "%-100s loaded %s, peak %s, after %s", phase, ProcessMemory.gib(loaded),
        ProcessMemory.gib(peak), ProcessMemory.gib(after));
    rows.add(row);
    System.out.println(row);
    ObjectNode node = out.putObject(phase.replaceAll(" \\[.*", ""));
    node.put("loaded_bytes", loaded);
    node.put("peak_bytes", peak);
    node.put("after_bytes", after);
  }
}
