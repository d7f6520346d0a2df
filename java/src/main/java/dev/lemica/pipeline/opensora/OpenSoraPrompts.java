package dev.lemica.pipeline.opensora;

import dev.lemica.text.CaptionCleaning;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

/**
 * What scripts/inference.py does to a prompt before T5 (v1.2.0, lines 233-243):
 * {@code append_score_to_prompts} (" aesthetic score: 6.5." and the like, each only when the prompt
 * does not already name it), then {@code text_preprocessing} ({@link CaptionCleaning#openSora}).
 */
final class OpenSoraPrompts {
  private final Double aes;
  private final Double flow;
  private final String cameraMotion;

  OpenSoraPrompts(Double aes, Double flow, String cameraMotion) {
    this.aes = aes;
    this.flow = flow;
    this.cameraMotion = cameraMotion;
  }

  /** The texts the tokenizer gets. */
  List<String> toTextEncoder(List<String> prompts) {
    return prompts.stream().map(p -> CaptionCleaning.openSora(withScores(p))).toList();
  }

  /** append_score_to_prompts for one prompt. */
  String withScores(String prompt) {
    String out = prompt;
    if (aes != null && !prompt.contains("aesthetic score:")) {
      out += " aesthetic score: " + oneDecimal(aes) + ".";
    }
    if (flow != null && !prompt.contains("motion score:")) {
      out += " motion score: " + oneDecimal(flow) + ".";
    }
    if (cameraMotion != null && !prompt.contains("camera motion:")) {
      out += " camera motion: " + cameraMotion + ".";
    }
    return out;
  }

  /** Python's {@code f"{x:.1f}"}: the double's exact value rounded half to even. */
  static String oneDecimal(double x) {
    return new BigDecimal(x).setScale(1, RoundingMode.HALF_EVEN).toPlainString();
  }
}
