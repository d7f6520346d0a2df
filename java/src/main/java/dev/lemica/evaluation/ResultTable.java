package dev.lemica.evaluation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;

/** Evaluation results as a Markdown table and as JSON. */
public final class ResultTable {
  private ResultTable() {}

  public static String markdownHeader() {
    return "| policy | B | computed steps (effective) | block-stack evals | PSNR (dB) | SSIM | MAE | worst PSNR | worst SSIM | worst MAE | wall speedup | ideal |\n"
        + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";
  }

  public static String markdownRow(VariantResult r) {
    return String.format(
        Locale.ROOT,
        "| %s | %d | %s/%d | %d | %.2f | %.4f | %.4f | %.2f | %.4f | %.4f | %.2fx | %.2fx |",
        r.variant().policy(), r.variant().budget(), trim(r.effectiveBudget(r.fullSteps())), r.fullSteps(), r.blockStackEvaluations(),
        r.meanPsnr(), r.meanSsim(), r.meanMae(), r.worstPsnr(), r.worstSsim(), r.worstMae(), r.speedup(), r.idealSpeedup());
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
  }

  public static ObjectNode json(List<VariantResult> results, List<String> prompts, double fullSeconds, ObjectNode setup) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.setAll(setup);
    root.put("full_seconds", fullSeconds);
    ArrayNode ps = root.putArray("prompts");
    prompts.forEach(ps::add);
    ArrayNode rows = root.putArray("results");
    for (VariantResult r : results) {
      ObjectNode n = rows.addObject();
      n.put("policy", r.variant().policy());
      n.put("cache", r.variant().cache().describe());
      n.put("budget", r.variant().budget());
      n.put("steps", r.variant().steps());
      n.put("computed_steps", r.computedSteps());
      n.put("effective_budget", r.effectiveBudget(r.fullSteps()));
      n.put("block_stack_evaluations", r.blockStackEvaluations());
      n.put("psnr", r.meanPsnr());
      n.put("ssim", r.meanSsim());
      n.put("mae", r.meanMae());
      n.put("worst_psnr", r.worstPsnr());
      n.put("worst_ssim", r.worstSsim());
      n.put("worst_mae", r.worstMae());
      n.put("worst_psnr_sample", r.worstPsnrSample());
      n.put("seconds", r.seconds());
      n.put("speedup", r.speedup());
      n.put("ideal_speedup", r.idealSpeedup());
      ArrayNode per = n.putArray("per_prompt");
      for (VideoMetrics.Scores s : r.perPrompt()) {
        per.addObject().put("psnr", s.psnr()).put("ssim", s.ssim()).put("mae", s.mae());
      }
    }
    return root;
  }
}
