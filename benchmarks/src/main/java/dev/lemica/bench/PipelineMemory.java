package dev.lemica.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lemica.bench.MemoryPipeline.Decode;
import dev.lemica.bench.MemoryPipeline.TextRun;
import dev.lemica.cache.FullCompute;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.ExampleInputs;
import dev.lemica.model.ModelConfig;
import dev.lemica.model.Models;
import dev.lemica.pipeline.CachedSampling;
import dev.lemica.pipeline.Conditioning;
import dev.lemica.pipeline.latte.LattePipeline;
import dev.lemica.sampling.FlowMatchEuler;
import dev.lemica.sampling.Guidance;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.StepListener;
import dev.lemica.text.TextEncoderModel;
import dev.lemica.torch.Tensors;
import dev.lemica.vae.LatentPacking;
import dev.lemica.vae.VideoAutoencoder;
import dev.lemica.vae.Vaes;
import dev.lemica.vae.cogvideox.AutoencoderKLCogVideoX;
import dev.lemica.vae.kl.AutoencoderKL;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Peak resident memory of each phase of a text-to-video or text-to-image run, in the order the
 * pipeline runs them ({@link MemoryPipelines}): the text encoders are loaded, encode the prompt (and
 * the negative prompt where the pipeline encodes one) and are freed, one after the other; the
 * transformer is loaded, samples a few steps with the pipeline's CFG and is freed; the VAE is loaded
 * and decodes. Weights are made up at the real architectures' sizes (no checkpoint is needed), so
 * what is measured is the memory of weights plus working set, not of any particular checkpoint's
 * dtype on disk. Each phase gets its own peak window (VmHWM reset), and the RSS after each free shows
 * that the component's memory really went back.
 */
@Command(
    name = "pipeline-memory",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Peak RSS per phase (text encoders, transformer, VAE) of a pipeline run with random weights at the real sizes, in the"
          + " pipeline's order, each component loaded at its phase's start and freed at its end. The pipelines, at their default sizes:",
      "  wan2.1-t2v-1.3b, wan2.1-t2v-14b: UMT5-XXL on prompt and negative prompt, 512 tokens each; 832x480 x 81 frames; CFG.",
      "  flux.1-dev: CLIP-L (77 tokens), then T5-XXL (512), prompt only; 1024x1024; one branch (distilled guidance).",
      "  qwen-image: Qwen2.5-VL-7B text on prompt and negative prompt, 64 tokens kept after the template's 34; 1024x1024; true CFG.",
      "  cogvideox1.5-5b: T5-XXL on prompt and negative prompt, 226 tokens; 1360x768 x 81 frames; CFG.",
      "  latte-1: T5-XXL on prompt and negative prompt, 120 tokens; 512x512 x 16 frames; CFG.",
      "  opensora-1.2: T5-XXL on the prompt, 300 tokens; 426x240 x 51 frames; CFG with the transformer's null caption.",
      "Blocks, tokens and sizes can be cut to fit a slow machine; each row says what ran, and the transformer's row is followed"
          + " by the weights of its full depth. Sampling is flow-match Euler whatever the family's scheduler (its state is a few"
          + " latents; the memory is the transformer's)."
    })
public final class PipelineMemory implements Callable<Integer> {
  @Option(names = "--pipeline", description = "The pipeline to measure (default: ${DEFAULT-VALUE}).", defaultValue = "wan2.1-t2v-1.3b")
  String pipelineName;

  @Option(names = "--dtype", description = "float32 or bfloat16 (default: ${DEFAULT-VALUE}).", defaultValue = "bfloat16")
  String dtype;

  @Option(names = "--transformer", description = "Transformer preset of the same class instead of the pipeline's (e.g. wan2.1-t2v-14b).")
  String transformer;

  @Option(names = "--text-layers", description = "Blocks to build of each text encoder, at most its own (default: all).")
  Integer textLayers;

  @Option(names = "--text-tokens", description = "Tokens per prompt of the encoder whose states the transformer attends to (default: the"
      + " pipeline's: Wan 512, FLUX T5 512, Qwen-Image 64 kept after the template's 34, CogVideoX 226, Latte 120, Open-Sora 300);"
      + " FLUX's CLIP runs min(77, this).")
  Integer textTokens;

  @Option(names = "--layers", description = "Transformer blocks to build, at most the preset's (FLUX: this many double- and single-stream"
      + " blocks each; default: all).")
  Integer layers;

  @Option(names = "--latent", split = ",", description = "The VAE latent without the batch: C,F,H,W for video pipelines, C,H,W for image"
      + " ones (default: the pipeline's size, e.g. Wan 16,21,60,104; CogVideoX 16,21,96,170, which its transformer samples padded to 22 frames).")
  List<Long> latent;

  @Option(names = "--steps", description = "Sampling steps to run; 0 loads the transformer only (default: ${DEFAULT-VALUE}).", defaultValue = "2")
  int steps;

  @Option(names = "--cfg", description = "batched (one forward of batch 2, as on a GPU) or separate (one branch at a time); pipelines"
      + " without CFG run one branch either way (default: ${DEFAULT-VALUE}).", defaultValue = "batched",
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

  @Option(names = "--decode-latent-frames", description = "Latent frames the VAE decodes, video pipelines only (default: all of --latent's).")
  Integer decodeFrames;

  @Option(names = "--vae-tiling", negatable = true, defaultValue = "true", fallbackValue = "true", description = "CogVideoX: decode"
      + " with the VAE's tiling and slicing, as CogVideoXPipeline does by default (diffusers' tiles of half the VAE config's sample size);"
      + " --no-vae-tiling decodes untiled, diffusers' own default. Other VAEs ignore it (default: on).")
  boolean vaeTiling;

  @Option(names = "--skip", split = ",", description = "Phases to skip: text, transformer, vae.")
  List<String> skip = List.of();

  @Option(names = "--report", description = "Also write the figures as JSON.")
  Path report;

  private static final List<String> PHASES = List.of("text", "transformer", "vae");

  private final ObjectNode out = new ObjectMapper().createObjectNode();
  private MemoryPipeline pipeline;
  private ComputeTarget target;
  private List<Long> vaeLatent;

  public static void main(String[] args) {
    dev.lemica.torch.NativeMemoryLimit.lift();
    CommandLine cli = new CommandLine(new PipelineMemory());
    // Bad values: one line, no stack trace.
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (!(e instanceof IllegalArgumentException)) {
        throw e;
      }
      cmd.getErr().println("pipeline-memory: " + e.getMessage().lines().findFirst().orElse(""));
      return 2;
    });
    cli.setParameterExceptionHandler((e, given) -> {
      e.getCommandLine().getErr().println("pipeline-memory: " + e.getMessage() + " (see --help)");
      return 2;
    });
    System.exit(cli.execute(args));
  }

  @Override
  public Integer call() throws IOException {
    pipeline = MemoryPipelines.named(pipelineName);
    target = ComputeTarget.parse("cpu", dtype);
    checkOptions();
    ModelConfig full = transformerConfig();
    ModelConfig built = cutDepth(full);
    torch.set_num_threads(Math.max(1, Runtime.getRuntime().availableProcessors()));
    try (InferenceMode inference = new InferenceMode()) {
      // The transformer's inputs are checked on shapes alone (the meta device) before any phase runs,
      // so that a latent or token count the model refuses fails now, not after the text phase.
      if (!skip.contains("transformer")) {
        try (PointerScope scope = new PointerScope();
            DiffusionTransformer shapes = Models.withRandomWeights(built, new ComputeTarget("meta", target.dtype()), 0)) {
          shapes.exampleInputs(pipeline.sampledLatent(vaeLatent), sequenceTokens());
        }
      }
      torch.ones(1).add(torch.ones(1)).close(); // LibTorch's own start-up memory belongs to the baseline
      long baseline = ProcessMemory.rss();
      out.put("pipeline", pipeline.name());
      out.put("dtype", target.dtypeName());
      System.out.println(pipeline.name() + " as " + pipeline.pipelineClass() + " runs it, " + target.dtypeName() + ", "
          + (latent == null ? "at its default size " : "--latent cut from its default size ") + pipeline.size());
      print("baseline (JVM + LibTorch)", baseline, baseline, baseline);
      List<Tensor> text = skip.contains("text") ? List.of() : text();
      Tensor latents = skip.contains("transformer") ? null : transformer(full, built);
      // The pipeline holds the prompt embeddings until sampling ends.
      text.forEach(Tensor::releaseReference);
      if (!skip.contains("vae")) {
        vae(latents);
      }
    }
    if (report != null) {
      Files.writeString(report, out.toPrettyString());
    }
    return 0;
  }

  private void checkOptions() {
    for (String phase : skip) {
      if (!PHASES.contains(phase)) {
        throw new IllegalArgumentException("--skip " + phase + ": not a phase (phases: " + String.join(", ", PHASES) + ")");
      }
    }
    positive("--text-layers", textLayers);
    positive("--text-tokens", textTokens);
    positive("--layers", layers);
    positive("--decode-latent-frames", decodeFrames);
    if (steps < 0) {
      throw new IllegalArgumentException("--steps " + steps + ": must be 0 (load only) or more");
    }
    vaeLatent = latent != null ? List.copyOf(latent) : pipeline.latent();
    if (vaeLatent.size() != pipeline.latent().size() || vaeLatent.stream().anyMatch(v -> v <= 0)) {
      throw new IllegalArgumentException(
          "--latent " + vaeLatent + ": " + pipeline.name() + " takes " + (pipeline.video() ? "four positive sizes C,F,H,W" : "three positive sizes C,H,W")
              + " (default " + pipeline.latent().stream().map(String::valueOf).collect(Collectors.joining(",")) + ")");
    }
    if (decodeFrames != null) {
      if (!pipeline.video()) {
        throw new IllegalArgumentException("--decode-latent-frames: " + pipeline.name() + " decodes one image (its latent has no frame axis)");
      }
      if (decodeFrames > vaeLatent.get(1)) {
        throw new IllegalArgumentException("--decode-latent-frames " + decodeFrames + ": the latent has " + vaeLatent.get(1) + " frames");
      }
    }
  }

  private static void positive(String flag, Integer value) {
    if (value != null && value < 1) {
      throw new IllegalArgumentException(flag + " " + value + ": must be at least 1");
    }
  }

  /** The pipeline's transformer preset, or --transformer's when it is of the same class. */
  private ModelConfig transformerConfig() {
    ModelConfig own = Models.preset(pipeline.transformerPreset());
    if (transformer == null) {
      return own;
    }
    if (!Models.PRESETS.contains(transformer)) {
      throw new IllegalArgumentException("--transformer " + transformer + ": unknown (known: " + String.join(", ", Models.PRESETS) + ")");
    }
    ModelConfig other = Models.preset(transformer);
    if (!other.className().equals(own.className())) {
      throw new IllegalArgumentException(
          "--transformer " + transformer + ": a " + other.className() + ", but " + pipeline.name() + " runs a " + own.className());
    }
    return other;
  }

  /** The config with --layers blocks in each of its block lists (at most as many as it has). */
  private ModelConfig cutDepth(ModelConfig config) {
    if (layers == null) {
      return config;
    }
    ObjectNode json = config.json().deepCopy();
    for (String key : pipeline.depthKeys()) {
      json.put(key, Math.min(layers, depth(config, key)));
    }
    return ModelConfig.parse(json.toString().getBytes(StandardCharsets.UTF_8), config.file());
  }

  private static int depth(ModelConfig config, String key) {
    return config.json().path(key).asInt();
  }

  /** The depth as built of the full one, by config key, e.g. "num_layers 1 of 19, num_single_layers 1 of 38". */
  private String depths(ModelConfig built, ModelConfig full) {
    return pipeline.depthKeys().stream().map(k -> k + " " + depth(built, k) + " of " + depth(full, k)).collect(Collectors.joining(", "));
  }

  private String fullDepth(ModelConfig full) {
    return pipeline.depthKeys().stream().map(k -> k + " " + depth(full, k)).collect(Collectors.joining(", "));
  }

  /** The tokens of a prompt as the transformer attends to them (--text-tokens, else the pipeline's). */
  private int sequenceTokens() {
    TextRun primary = pipeline.textEncoders().stream().filter(TextRun::conditionsSequence).findFirst().orElseThrow();
    return textTokens != null ? textTokens : primary.tokens();
  }

  private List<Tensor> text() {
    List<TextRun> runs = pipeline.textEncoders();
    if (runs.size() > 1) {
      System.out.println("  " + pipeline.pipelineClass() + " runs " + runs.stream().map(TextRun::label).collect(Collectors.joining(", then "))
          + ": each loaded, used and freed before the next");
    }
    List<Tensor> outputs = new ArrayList<>();
    for (int i = 0; i < runs.size(); i++) {
      outputs.addAll(text(runs.get(i), runs.size() == 1 ? "text encoder" : "text encoder " + (i + 1) + " of " + runs.size()));
    }
    return outputs;
  }

  /** One encoder: loaded, one call per prompt (prompt, then the negative prompt where encoded), freed. */
  private List<Tensor> text(TextRun run, String phase) {
    RandomTextEncoders.Architecture architecture = RandomTextEncoders.of(run.preset(), textLayers);
    int kept = run.conditionsSequence() ? sequenceTokens() : Math.min(run.tokens(), textTokens != null ? textTokens : run.tokens());
    int length = kept + run.droppedPrefix();
    if (length > architecture.maxTokens()) {
      throw new IllegalArgumentException("--text-tokens " + kept + ": " + run.label() + " takes at most " + architecture.maxTokens() + " tokens");
    }
    int calls = pipeline.encodesNegative() ? 2 : 1;
    String what = phase + ": " + run.label() + " (" + run.preset() + "), " + architecture.layers() + " of " + architecture.presetLayers()
        + " blocks, " + (calls == 2 ? "prompt then negative prompt, 2 calls" : "prompt, 1 call") + " x " + length + " tokens"
        + (run.droppedPrefix() > 0 ? " (" + kept + " kept after the template's " + run.droppedPrefix() + ")" : "")
        + (run.masked() ? ", masked" : ", no mask");
    ProcessMemory.resetPeak();
    long t0 = System.nanoTime();
    List<Tensor> outputs = new ArrayList<>();
    long loaded;
    try (TextEncoderModel encoder = architecture.build(target)) {
      loaded = ProcessMemory.rss();
      for (int c = 0; c < calls; c++) {
        try (PointerScope scope = new PointerScope()) {
          Tensor ids = torch.randint(architecture.vocabSize(), new long[] {1, length}, new TensorOptions(torch.ScalarType.Long));
          Tensor mask = run.masked() ? torch.ones(new long[] {1, length}, new TensorOptions(torch.ScalarType.Long)) : null;
          // The pipelines keep float32 states of the kept tokens.
          Tensor hidden = encoder.lastHiddenState(ids, mask).narrow(1, run.droppedPrefix(), kept).to(torch.ScalarType.Float).clone();
          hidden.retainReference();
          outputs.add(hidden);
        }
      }
    }
    System.gc();
    print(what + timing(t0), loaded, ProcessMemory.peak(), ProcessMemory.rss());
    return outputs;
  }

  private Tensor transformer(ModelConfig full, ModelConfig built) {
    // Counted on the meta device (shapes, no storage): the full depth need not fit this machine.
    long fullBytes = Models.weightBytes(full, target.dtype());
    long builtBytes = Models.weightBytes(built, target.dtype());
    List<Long> sampled = pipeline.sampledLatent(vaeLatent);
    int tokens = sequenceTokens();
    ProcessMemory.resetPeak();
    long t0 = System.nanoTime();
    long loaded;
    long latentTokens;
    Tensor result;
    try (DiffusionTransformer model = Models.withRandomWeights(built, target, 0);
        PointerScope scope = new PointerScope()) {
      loaded = ProcessMemory.rss();
      ExampleInputs example = model.exampleInputs(sampled, tokens);
      latentTokens = example.tokens();
      if ((example.guidance() != 1.0) != (pipeline.branches() == 2)) {
        throw new IllegalStateException(pipeline.name() + ": described with " + pipeline.branches() + " branches, but the model guides with "
            + example.guidance());
      }
      Guidance guidance = pipeline.branches() == 1 ? Guidance.none() : model.pipelineGuidance(example.guidance());
      // A few steps stand for all of them: memory per step does not depend on how many follow. Zero
      // steps measures the loaded weights alone.
      result = steps == 0 ? example.latents().clone()
          : CachedSampling.run(model, new FlowMatchEuler(steps, 3.0), new Conditioning(example.cond(), example.uncond()), guidance,
              example.latents(), FullCompute.INSTANCE, cfg, StepListener.NONE).latents().clone();
      result.retainReference();
    }
    System.gc();
    String padded = sampled.equals(vaeLatent) ? "" : " sampled as " + sampled + " (" + (sampled.get(1) - vaeLatent.get(1)) + " padding frame(s))";
    String branches = pipeline.branches() == 1 ? "one branch (guidance distilled, no CFG)"
        : cfg.toString().toLowerCase(Locale.ROOT) + " CFG (2 branches)";
    ObjectNode node = print("transformer: " + (transformer != null ? transformer : pipeline.transformerPreset()) + ", " + depths(built, full) + ", latent " + vaeLatent + padded + " (" + latentTokens + " tokens), " + tokens + " text tokens, " + steps
        + (steps == 1 ? " step, " : " steps, ") + branches + timing(t0), loaded, ProcessMemory.peak(), ProcessMemory.rss());
    System.out.println(String.format(Locale.ROOT, "  transformer weights in %s: %s as built; full depth (%s) = %s (%d bytes)",
        target.dtypeName(), ProcessMemory.gib(builtBytes), fullDepth(full), ProcessMemory.gib(fullBytes), fullBytes));
    node.put("weight_bytes_as_built", builtBytes);
    node.put("weight_bytes_full_depth", fullBytes);
    return result;
  }

  private void vae(Tensor sampled) {
    ModelConfig config = Vaes.preset(pipeline.vaePreset());
    long frames = pipeline.video() ? (decodeFrames != null ? decodeFrames : vaeLatent.get(1)) : 1;
    ProcessMemory.resetPeak();
    long t0 = System.nanoTime();
    long loaded;
    String output;
    String className;
    try (VideoAutoencoder vae = Vaes.withRandomWeights(config, target, 0);
        PointerScope scope = new PointerScope()) {
      loaded = ProcessMemory.rss();
      className = vae.className();
      if (vae instanceof AutoencoderKLCogVideoX cog) {
        // What CogVideoXPipeline.configure does with its default vaeTiling.
        if (vaeTiling) {
          cog.enableTiling();
          cog.enableSlicing();
          className += ", tiled and sliced (" + cog.tiling().orElseThrow() + ")";
        } else {
          className += ", untiled";
        }
      }
      Tensor z = sampled != null ? toVae(sampled, vae, frames) : noise(frames);
      Tensor decoded = switch (pipeline.decode()) {
        case VIDEO, VIDEO_FRAMES_FIRST -> vae.decodeNormalized(z);
        case FRAMES_IN_CHUNKS -> ((AutoencoderKL) vae).decode(vae.denormalize(z), LattePipeline.DECODE_CHUNK_SIZE);
        case VIDEO_TO_FRAME_COUNT -> vae.decodeNormalized(z, vae.videoFrames(frames));
        case PACKED_IMAGE -> vae.decodeNormalizedImage(z);
      };
      output = Tensors.shapeString(decoded);
    }
    if (sampled != null) {
      sampled.releaseReference();
    }
    System.gc();
    String input = pipeline.video() ? frames + " latent frames of " + vaeLatent.get(2) + "x" + vaeLatent.get(3) : "a " + vaeLatent.get(1) + "x"
        + vaeLatent.get(2) + " latent";
    String how = pipeline.decode() == Decode.FRAMES_IN_CHUNKS ? ", " + LattePipeline.DECODE_CHUNK_SIZE + " frames per call" : "";
    print("VAE: " + className + " (" + pipeline.vaePreset() + ") decodes " + input + how + " to " + output + timing(t0), loaded,
        ProcessMemory.peak(), ProcessMemory.rss());
  }

  /** The sampled latents as the pipeline hands them to the VAE, cut to {@code frames} latent frames. */
  private Tensor toVae(Tensor sampled, VideoAutoencoder vae, long frames) {
    return switch (pipeline.decode()) {
      case VIDEO, FRAMES_IN_CHUNKS, VIDEO_TO_FRAME_COUNT -> sampled.narrow(2, 0, frames);
      // latents[:, additional_frames:], then frames first to channels first.
      case VIDEO_FRAMES_FIRST -> vae.pipelineLayout().toVae(sampled.narrow(1, pipeline.paddingFrames(vaeLatent.get(1)), frames), vae);
      case PACKED_IMAGE -> {
        int f = vae.spatialFactor();
        yield LatentPacking.unpack(sampled, vaeLatent.get(1) * f, vaeLatent.get(2) * f, f);
      }
    };
  }

  /** Random latents in the VAE's layout, for a run that skips the transformer. */
  private Tensor noise(long frames) {
    TensorOptions floats = new TensorOptions(torch.ScalarType.Float);
    return pipeline.video()
        ? torch.randn(new long[] {1, vaeLatent.get(0), frames, vaeLatent.get(2), vaeLatent.get(3)}, floats)
        : torch.randn(new long[] {1, vaeLatent.get(0), vaeLatent.get(1), vaeLatent.get(2)}, floats);
  }

  private static String timing(long t0) {
    return String.format(Locale.ROOT, " [%.0f s]", (System.nanoTime() - t0) / 1e9);
  }

  /** One phase: RSS once its component is loaded, the phase's peak and RSS after it freed what it held. */
  private ObjectNode print(String phase, long loaded, long peak, long after) {
    String row = String.format(Locale.ROOT, "%-100s loaded %s, peak %s, after %s", phase, ProcessMemory.gib(loaded),
        ProcessMemory.gib(peak), ProcessMemory.gib(after));
    System.out.println(row);
    ObjectNode node = out.putObject(phase.replaceAll(" \\[\\d+ s\\]$", ""));
    node.put("loaded_bytes", loaded);
    node.put("peak_bytes", peak);
    node.put("after_bytes", after);
    return node;
  }
}
