package dev.lemica.cli;

import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.sampling.GeneratorNoise;
import dev.lemica.sampling.NoiseSource;
import dev.lemica.sampling.PromptSeeds;
import dev.lemica.torch.Tensors;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** --seed, --seeds or --noise: the initial latents. */
final class NoiseOptions {
  @ArgGroup(exclusive = true, multiplicity = "0..1")
  Choice choice;

  static final class Choice {
    @Option(
        names = "--seed",
        description = "Seed of the initial noise, drawn on the CPU as torch.manual_seed(N); torch.randn(shape)"
            + " does in Python, so runs are comparable across languages. A stochastic scheduler (CogVideoXDPMScheduler)"
            + " draws its step noise from the same generator afterwards, as diffusers' pipelines do with"
            + " generator=torch.Generator().manual_seed(N). Default: 0.")
    Long seed;

    @Option(
        names = "--seeds",
        split = ",",
        paramLabel = "S,S,...",
        description = "calibrate and evaluate: one noise per prompt and seed, every prompt under every seed (prompt by prompt),"
            + " and the sample of prompt p and seed s starts from torch.manual_seed(s); torch.randn(1, ...),"
            + " the noise a single-prompt run with --seed s draws.")
    List<Long> seeds;

    @Option(names = "--noise", paramLabel = "FILE", description = "safetensors file whose tensor 'noise' (or 'in.noise') is the initial latents, in the layout the pipeline keeps them (Wan, Latte, the embedded model: B, C, F, H, W; CogVideoX: B, F, C, H, W with its padding frames in front; FLUX.1 and Qwen-Image: packed B, (H/16)·(W/16), 64).")
    Path noise;
  }

  /** The generator of the last --seed draw, which a stochastic sampler continues; null for --noise. */
  private GeneratorNoise generator;

  /** Whether --seeds makes the samples: each prompt under each seed. */
  boolean perSeed() {
    return choice != null && choice.seeds != null;
  }

  /**
   * The samples: with --seeds every prompt under every seed, else each prompt once with the seed
   * it gets from --seed or --noise (null).
   */
  PromptSeeds samples(List<String> prompts) {
    if (perSeed()) {
      return PromptSeeds.cross(prompts, choice.seeds);
    }
    return null;
  }

  /** The seeds the noise is drawn from: --seeds, or --seed (default 0); none for a --noise file. */
  List<Long> seedsDrawn() {
    if (perSeed()) {
      return List.copyOf(choice.seeds);
    }
    if (choice != null && choice.noise != null) {
      return List.of();
    }
    return List.of(choice != null && choice.seed != null ? choice.seed : 0L);
  }

  /** How many seeds --seeds lists (0 without it). */
  int seedCount() {
    return perSeed() ? choice.seeds.size() : 0;
  }

  /**
   * Initial latents of {@code shape} (batch first): one seeded draw per sample where {@code
   * samples} is not null (--seeds), else {@link #noise(long[])}.
   */
  Tensor noise(PromptSeeds samples, long[] shape) {
    return samples != null ? samples.noise(java.util.Arrays.copyOfRange(shape, 1, shape.length)) : noise(shape);
  }

  /** Initial latents of shape (batch, sample...), float32 on the CPU. */
  Tensor noise(long batch, long[] sampleShape) {
    long[] shape = new long[sampleShape.length + 1];
    shape[0] = batch;
    System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
    return noise(shape);
  }

  /**
   * Initial latents of exactly {@code shape}, float32 on the CPU: read from --noise (its tensor
   * 'noise', or 'in.noise' as golden io files name it), or drawn from --seed.
   */
  Tensor noise(long[] shape) {
    if (perSeed()) {
      throw new IllegalArgumentException("--seeds makes one sample per prompt and seed, which only calibrate and evaluate take; use --seed N");
    }
    if (choice != null && choice.noise != null) {
      try (SafetensorsFile f = SafetensorsFile.open(choice.noise)) {
        String name = f.names().contains("noise") ? "noise" : f.names().contains("in.noise") ? "in.noise" : null;
        if (name == null) {
          throw new IllegalArgumentException(choice.noise + ": has no tensor 'noise' (nor 'in.noise')");
        }
        Tensor noise = f.tensor(name).to(ScalarType.Float).clone();
        if (!java.util.Arrays.equals(Tensors.shape(noise), shape)) {
          throw new IllegalArgumentException(
              choice.noise + ": " + name + " has shape " + Tensors.shapeString(noise) + ", expected " + java.util.Arrays.toString(shape));
        }
        return noise;
      }
    }
    if (generator != null) {
      generator.close();
    }
    generator = NoiseSource.seeded(choice != null && choice.seed != null ? choice.seed : 0L);
    return generator.next(shape);
  }

  /**
   * Where a stochastic sampler's step noise comes from: with --seed the generator that drew the
   * initial latents, continued; null with --noise (the sampler's own generator, seeded 0).
   */
  NoiseSource stepNoise() {
    return generator;
  }

  String describe() {
    if (perSeed()) {
      return "seeds " + choice.seeds.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","))
          + " (one noise per prompt and seed)";
    }
    if (choice != null && choice.noise != null) {
      return "noise " + choice.noise;
    }
    return "seed " + (choice != null && choice.seed != null ? choice.seed : 0L);
  }
}
