package dev.lemica.schedule;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The step lists LeMiCa's authors published for 50-step sampling, by name
 * {@code lemica:<model>:B<budget>} (0-based steps, B = how many compute).
 *
 * <p>Source: UnicomAI/LeMiCa (https://github.com/UnicomAI/LeMiCa): the {@code calc_dict} of its
 * per-model inference scripts ({@code LeMiCa4FLUX/inference_flux1.py}: budgets 26/20/15/10 as
 * slow/medium/fast/ultra; {@code LeMiCa4QwenImage/inference_qwenimage.py}: 25/17/10 as
 * slow/medium/fast; {@code LeMiCa4Wan2.1/inference_wan.py}) and of its ComfyUI node
 * ({@code ComfyUI-LeMiCa/nodes.py}, {@code get_Lemica_path}: Wan2.1 T2V 1.3B and 14B, Qwen-Image).
 * They were calibrated on those models with the authors' own samplers; on another model (or
 * another step count, after retargeting) they are a starting point, not a calibration.
 */
public final class PublishedSchedules {
  public static final String PREFIX = "lemica:";
  public static final int STEPS = 50;

  /** One published list: its model, budget and computed steps. */
  public record Preset(String model, int budget, Schedule schedule) {
    public String name() {
      return PREFIX + model + ":B" + budget;
    }
  }

  private static final List<Preset> ALL = new ArrayList<>();

  static {
    add("flux1-dev", "0-10,12,15,18,20,25,30,35,39,42,44-49");
    add("flux1-dev", "0-7,9,12,15,19,24,31,38,43,46-49");
    add("flux1-dev", "0-5,7,10,15,20,27,34,41,47,49");
    add("flux1-dev", "0,1,3,7,14,21,28,35,42,49");
    add("qwen-image", "0-19,26,33,36,42,49");
    add("qwen-image", "0-10,15,22,29,36,42,49");
    add("qwen-image", "0,1,3,7,14,21,28,35,42,49");
    add("wan2.1-t2v-1.3b", "0-12,14,16,18,21,24,29,35,40,44,47,48,49");
    add("wan2.1-t2v-1.3b", "0-9,11,13,16,20,26,33,40,45,48,49");
    add("wan2.1-t2v-1.3b", "0-8,10,13,18,25,32,39,46,49");
    add("wan2.1-t2v-1.3b", "0-5,7,10,16,23,30,37,44,49");
    add("wan2.1-t2v-14b", "0-11,13,15,18,21,25,29,34,38,42,45,47,48,49");
    add("wan2.1-t2v-14b", "0-9,11,14,18,23,29,36,42,46,48,49");
    add("wan2.1-t2v-14b", "0-7,9,12,16,22,29,36,43,47,49");
    add("wan2.1-t2v-14b", "0-5,7,10,17,24,31,38,45,49");
  }

  private PublishedSchedules() {}

  private static void add(String model, String ranges) {
    List<Integer> steps = new ArrayList<>();
    for (String part : ranges.split(",")) {
      String[] ends = part.split("-");
      int from = Integer.parseInt(ends[0]);
      int to = Integer.parseInt(ends[ends.length - 1]);
      for (int s = from; s <= to; s++) {
        steps.add(s);
      }
    }
    Schedule schedule = Schedule.of(STEPS, steps.stream().mapToInt(Integer::intValue).toArray());
    ALL.add(new Preset(model, schedule.budget(), schedule));
  }

  public static List<Preset> all() {
    return List.copyOf(ALL);
  }

  public static boolean isPresetName(String text) {
    return text.startsWith(PREFIX);
  }

  public static Optional<Preset> find(String name) {
    return ALL.stream().filter(p -> p.name().equals(name)).findFirst();
  }

  /**
   * The preset {@code name} for a run of {@code steps} steps.
   *
   * @param retarget whether a run of other than 50 steps may take the list mapped onto its steps
   *     ({@link Retarget})
   * @throws IllegalArgumentException for an unknown name (listing the known ones) or another step
   *     count without {@code retarget}
   */
  public static Schedule resolve(String name, int steps, boolean retarget) {
    Preset preset =
        find(name)
            .orElseThrow(
                () -> new IllegalArgumentException(
                    "--schedule " + name + ": unknown preset (known: " + String.join(", ", names()) + ")"));
    if (steps == STEPS) {
      return preset.schedule();
    }
    if (!retarget) {
      throw new IllegalArgumentException(
          "--schedule " + name + ": LeMiCa published it for " + STEPS + " steps but sampling runs " + steps
              + " (add --retarget to map it onto " + steps + " steps)");
    }
    return Retarget.toSteps(preset.schedule(), steps);
  }

  /**
   * The published model a transformer config is, by architecture (class and sizes, not weights):
   * Wan2.1 T2V 1.3B and 14B, FLUX.1-dev (guidance-distilled, 19 + 38 blocks; schnell has no guidance
   * embedding), Qwen-Image. Fine-tunes of the same architecture match too, which is why a schedule
   * chosen this way is reported as the published one, not as a calibration.
   */
  public static Optional<String> modelOf(dev.lemica.model.ModelConfig transformer) {
    String cls;
    try {
      cls = transformer.className();
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    int layers = intOr(transformer, "num_layers", -1);
    int heads = intOr(transformer, "num_attention_heads", -1);
    int inChannels = intOr(transformer, "in_channels", -1);
    switch (cls) {
      case "WanTransformer3DModel":
        if (inChannels != 16) {
          return Optional.empty(); // image-to-video variants take 36 channels
        }
        if (layers == 30 && heads == 12) {
          return Optional.of("wan2.1-t2v-1.3b");
        }
        return layers == 40 && heads == 40 ? Optional.of("wan2.1-t2v-14b") : Optional.empty();
      case "FluxTransformer2DModel":
        boolean guidance = transformer.optional("guidance_embeds").map(n -> n.asBoolean()).orElse(false);
        return guidance && intOr(transformer, "num_layers", 19) == 19 && intOr(transformer, "num_single_layers", 38) == 38
            ? Optional.of("flux1-dev") : Optional.empty();
      case "QwenImageTransformer2DModel":
        return intOr(transformer, "num_layers", 60) == 60 ? Optional.of("qwen-image") : Optional.empty();
      default:
        return Optional.empty();
    }
  }

  /** The preset LeMiCa published for {@code model} at this budget (50 steps), if any. */
  public static Optional<Preset> forBudget(String model, int budget) {
    return ALL.stream().filter(p -> p.model().equals(model) && p.budget() == budget).findFirst();
  }

  /** The budgets LeMiCa published for {@code model}, largest first. */
  public static List<Integer> budgets(String model) {
    return ALL.stream().filter(p -> p.model().equals(model)).map(Preset::budget).toList();
  }

  private static int intOr(dev.lemica.model.ModelConfig c, String key, int fallback) {
    return c.optional(key).filter(n -> n.isInt()).map(n -> n.asInt()).orElse(fallback);
  }

  public static List<String> names() {
    return ALL.stream().map(Preset::name).toList();
  }
}
