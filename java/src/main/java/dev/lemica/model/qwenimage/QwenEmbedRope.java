package dev.lemica.model.qwenimage;

import dev.lemica.model.ComputeTarget;
import dev.lemica.nn.RotaryAngles;
import dev.lemica.torch.Tensors;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Qwen-Image's rotary embedding ({@code QwenEmbedRope} with scale_rope): each image token turns by
 * (frame, row, column), rows and columns counted from the image centre (−⌈h/2⌉ … ⌊h/2⌋−1) and frames
 * by the image's index; text token j turns by m + j on all three axes, m = max(⌊h/2⌋, ⌊w/2⌋) over
 * the images, so the text sits past the image positions. Angles in float32 as diffusers builds them;
 * tables are complex (use_real=False).
 */
final class QwenEmbedRope {
  private static final double THETA = 10000.0;

  private final int[] axesDims;
  private final ComputeTarget target;
  private final Map<String, Tensor> cache = new HashMap<>();

  QwenEmbedRope(int[] axesDims, ComputeTarget target) {
    this.axesDims = axesDims;
    this.target = target;
  }

  /** The (text + image tokens, 1, head_dim/2) complex64 table of the joint [text; image] sequence. */
  synchronized Tensor joint(ImageShapes shapes, int textTokens) {
    return cache.computeIfAbsent(shapes.key() + "+" + textTokens, k -> build(shapes, textTokens));
  }

  private Tensor build(ImageShapes shapes, int textTokens) {
    int tokens = textTokens + shapes.tokens();
    float[] positions = new float[3 * tokens];
    int textStart = 0;
    for (int[] s : shapes.images()) {
      textStart = Math.max(textStart, Math.max(s[1] / 2, s[2] / 2));
    }
    int t = 0;
    for (; t < textTokens; t++) {
      positions[3 * t] = positions[3 * t + 1] = positions[3 * t + 2] = textStart + t;
    }
    for (int image = 0; image < shapes.images().size(); image++) {
      int[] s = shapes.images().get(image);
      for (int f = 0; f < s[0]; f++) {
        for (int r = 0; r < s[1]; r++) {
          for (int c = 0; c < s[2]; c++, t++) {
            positions[3 * t] = image + f;
            positions[3 * t + 1] = r - (s[1] - s[1] / 2);
            positions[3 * t + 2] = c - (s[2] - s[2] / 2);
          }
        }
      }
    }
    Tensor angles = RotaryAngles.of(axesDims, THETA, Tensors.fromFloats(positions, tokens, 3).to(target.device(), ScalarType.Float), ScalarType.Float);
    Tensor table = RotaryAngles.complex(angles).unsqueeze(1);
    table.retainReference();
    return table;
  }

  synchronized void release() {
    cache.values().forEach(Tensor::releaseReference);
    cache.clear();
  }
}
