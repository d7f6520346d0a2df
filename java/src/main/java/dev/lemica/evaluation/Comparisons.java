package dev.lemica.evaluation;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * Who wins, budget by budget and metric by metric: the mean hides a collapse on one prompt, so the
 * worst sample's PSNR is a metric of its own. A win is strictly better; a tie wins for nobody.
 * Variants without a budget of their own (an extra --schedule) take no part.
 */
public final class Comparisons {
  /** The metrics every policy is compared on at every budget. */
  public enum Metric {
    MEAN_PSNR("mean PSNR", VariantResult::meanPsnr, true),
    MEAN_SSIM("mean SSIM", VariantResult::meanSsim, true),
    MEAN_MAE("mean MAE", VariantResult::meanMae, false),
    WORST_PSNR("worst PSNR", VariantResult::worstPsnr, true);

    private final String label;
    private final ToDoubleFunction<VariantResult> value;
    private final boolean higherIsBetter;

    Metric(String label, ToDoubleFunction<VariantResult> value, boolean higherIsBetter) {
      this.label = label;
      this.value = value;
      this.higherIsBetter = higherIsBetter;
    }

    public String label() {
      return label;
    }

    public double of(VariantResult r) {
      return value.applyAsDouble(r);
    }

    /** Whether {@code a} is strictly better than {@code b} on this metric. */
    public boolean beats(VariantResult a, VariantResult b) {
      return higherIsBetter ? of(a) > of(b) : of(a) < of(b);
    }
  }

  /** {@code wins} of {@code comparisons} (budgets × opponents × metrics) that {@code policy} won. */
  public record Tally(String policy, int wins, int comparisons) {}

  private final List<VariantResult> results;

  public Comparisons(List<VariantResult> results) {
    this.results = results.stream().filter(r -> !r.variant().policy().startsWith("schedule ")).toList();
  }

  public Set<Integer> budgets() {
    TreeSet<Integer> b = new TreeSet<>();
    results.forEach(r -> b.add(r.variant().budget()));
    return b;
  }

  public Set<String> policies() {
    Set<String> p = new LinkedHashSet<>();
    results.forEach(r -> p.add(r.variant().policy()));
    return p;
  }

  /** The policies best on {@code metric} at {@code budget} (several when tied; empty when none ran). */
  public List<String> best(int budget, Metric metric) {
    List<VariantResult> at = at(budget);
    List<String> out = new ArrayList<>();
    for (VariantResult r : at) {
      if (at.stream().noneMatch(o -> metric.beats(o, r))) {
        out.add(r.variant().policy());
      }
    }
    return out;
  }

  /** How often {@code policy} beats each of {@code opponents} it met, over budgets and metrics. */
  public Tally tally(String policy, Set<String> opponents) {
    int wins = 0;
    int comparisons = 0;
    for (int b : budgets()) {
      VariantResult mine = find(b, policy);
      if (mine == null) {
        continue;
      }
      for (VariantResult other : at(b)) {
        if (!opponents.contains(other.variant().policy()) || other.variant().policy().equals(policy)) {
          continue;
        }
        for (Metric m : Metric.values()) {
          comparisons++;
          wins += m.beats(mine, other) ? 1 : 0;
        }
      }
    }
    return new Tally(policy, wins, comparisons);
  }

  /** One row per budget, one column per metric naming the best policy and its value. */
  public String markdown() {
    StringBuilder s = new StringBuilder("| B |");
    StringBuilder rule = new StringBuilder("|---:|");
    for (Metric m : Metric.values()) {
      s.append(" best ").append(m.label()).append(" |");
      rule.append("---|");
    }
    s.append('\n').append(rule);
    for (int b : budgets()) {
      s.append("\n| ").append(b).append(" |");
      for (Metric m : Metric.values()) {
        List<String> best = best(b, m);
        double v = best.isEmpty() ? Double.NaN : m.of(find(b, best.get(0)));
        s.append(' ').append(String.join(", ", best)).append(String.format(Locale.ROOT, m == Metric.MEAN_SSIM || m == Metric.MEAN_MAE ? " (%.4f)" : " (%.2f)", v)).append(" |");
      }
    }
    return s.toString();
  }

  /** {"best": [{"budget", metric label: [policies]}], "tallies": [{"policy", "wins", "comparisons"}]} for the given policies against the rest. */
  public ObjectNode json(List<String> contenders) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode();
    ArrayNode best = root.putArray("best");
    for (int b : budgets()) {
      ObjectNode row = best.addObject().put("budget", b);
      for (Metric m : Metric.values()) {
        ArrayNode names = row.putArray(m.label());
        best(b, m).forEach(names::add);
      }
    }
    ArrayNode tallies = root.putArray("tallies");
    for (String p : contenders) {
      Set<String> others = new LinkedHashSet<>(policies());
      others.removeAll(contenders);
      Tally t = tally(p, others);
      tallies.addObject().put("policy", p).put("wins", t.wins()).put("comparisons", t.comparisons());
    }
    return root;
  }

  private List<VariantResult> at(int budget) {
    return results.stream().filter(r -> r.variant().budget() == budget).toList();
  }

  private VariantResult find(int budget, String policy) {
    return results.stream().filter(r -> r.variant().budget() == budget && r.variant().policy().equals(policy)).findFirst().orElse(null);
  }
}
