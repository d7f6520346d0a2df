package dev.lemica.sampling;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Samples that pair a prompt with a noise seed: the unit of calibration and evaluation when the
 * noise varies as well as the prompt. Sample k's initial latents are {@code torch.manual_seed(seed);
 * torch.randn(1, ...)}, what a single-prompt run with that seed draws, so any sample can be
 * generated again on its own.
 *
 * @param prompts each sample's prompt
 * @param seeds each sample's seed, as long as {@code prompts}
 */
public record PromptSeeds(List<String> prompts, List<Long> seeds) {
  public PromptSeeds {
    prompts = List.copyOf(prompts);
    seeds = List.copyOf(seeds);
    if (prompts.size() != seeds.size() || prompts.isEmpty()) {
      throw new IllegalArgumentException("samples need one seed per prompt, got " + prompts.size() + " prompts and " + seeds.size() + " seeds");
    }
  }

  /** Every prompt under every seed, prompt by prompt: (p0, s0), (p0, s1), ..., (p1, s0), ... */
  public static PromptSeeds cross(List<String> prompts, List<Long> seeds) {
    if (prompts.isEmpty() || seeds.isEmpty()) {
      throw new IllegalArgumentException("samples need at least one prompt and one seed");
    }
    if (seeds.stream().distinct().count() != seeds.size()) {
      throw new IllegalArgumentException("--seeds lists a seed twice: " + seeds);
    }
    List<String> p = new ArrayList<>();
    List<Long> s = new ArrayList<>();
    for (String prompt : prompts) {
      for (long seed : seeds) {
        p.add(prompt);
        s.add(seed);
      }
    }
    return new PromptSeeds(p, s);
  }

  public int size() {
    return prompts.size();
  }

  /** "prompt (seed s)", for tables and reports. */
  public String label(int k) {
    return prompts.get(k) + " (seed " + seeds.get(k) + ")";
  }

  /** Initial latents (size(), sampleShape...), float32 on the CPU, one seeded draw per sample. */
  public Tensor noise(long[] sampleShape) {
    long[] shape = new long[sampleShape.length + 1];
    shape[0] = 1;
    System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
    TensorVector draws = new TensorVector();
    for (long seed : seeds) {
      torch.manual_seed(seed);
      draws.push_back(torch.randn(shape));
    }
    return torch.cat(draws, 0);
  }
}
