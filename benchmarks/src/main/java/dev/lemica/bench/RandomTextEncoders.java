package dev.lemica.bench;

import dev.lemica.model.ComputeTarget;
import dev.lemica.text.TextEncoderModel;
import dev.lemica.text.clip.CLIPTextConfig;
import dev.lemica.text.clip.CLIPTextEncoder;
import dev.lemica.text.qwen.QwenTextConfig;
import dev.lemica.text.qwen.QwenTextEncoder;
import dev.lemica.text.t5.T5Config;
import dev.lemica.text.t5.T5Encoder;

/** The text encoder presets the pipelines use, built with random weights and, for a quick run, fewer blocks. */
final class RandomTextEncoders {
  private RandomTextEncoders() {}

  /**
   * A preset's architecture cut to at most {@code layers} blocks (all of them when null).
   *
   * @param layers blocks as built
   * @param presetLayers blocks of the real model
   * @param vocabSize token ids are drawn below this
   * @param maxTokens the longest input it takes (CLIP's position table), or MAX_VALUE
   */
  record Architecture(String preset, int layers, int presetLayers, int vocabSize, int maxTokens, Builder builder) {
    TextEncoderModel build(ComputeTarget target) {
      return builder.build(target);
    }
  }

  @FunctionalInterface
  interface Builder {
    TextEncoderModel build(ComputeTarget target);
  }

  static Architecture of(String preset, Integer layers) {
    switch (preset) {
      case "umt5-xxl", "t5-v1_1-xxl" -> {
        T5Config full = T5Config.preset(preset);
        T5Config cut = layers == null ? full : full.withLayers(Math.min(layers, full.layers()));
        return new Architecture(preset, cut.layers(), full.layers(), full.vocabSize(), Integer.MAX_VALUE, t -> T5Encoder.withRandomWeights(cut, t, 0));
      }
      case "clip-vit-large-patch14" -> {
        CLIPTextConfig full = CLIPTextConfig.preset(preset);
        CLIPTextConfig cut = layers == null ? full : full.withLayers(Math.min(layers, full.layers()));
        return new Architecture(preset, cut.layers(), full.layers(), full.vocabSize(), full.maxPositions(), t -> CLIPTextEncoder.withRandomWeights(cut, t, 0));
      }
      case "qwen2.5-vl-7b-text" -> {
        QwenTextConfig full = QwenTextConfig.preset(preset);
        QwenTextConfig cut = layers == null ? full : full.withLayers(Math.min(layers, full.layers()));
        return new Architecture(preset, cut.layers(), full.layers(), full.vocabSize(), Integer.MAX_VALUE, t -> QwenTextEncoder.withRandomWeights(cut, t, 0));
      }
      default -> throw new IllegalArgumentException("text encoder preset '" + preset + "': not one PipelineMemory builds");
    }
  }
}
