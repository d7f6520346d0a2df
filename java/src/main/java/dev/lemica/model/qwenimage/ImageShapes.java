package dev.lemica.model.qwenimage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.model.ForwardInputs;
import dev.lemica.torch.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.bytedeco.pytorch.Tensor;

/**
 * Qwen-Image's {@code img_shapes}: the (frames, rows, columns) token grid of each image in the
 * sequence. It arrives either as a non-tensor input in meta.json, one entry per batch element
 * (either one [f, h, w] or a list of them, as the pipeline passes [[(1, h, w)]] · batch), or as an
 * integer tensor input of that name with one (f, h, w) row per batch element (how per-branch tensor
 * maps such as GuidedDenoiser's carry it). diffusers builds the rotary tables from the first batch
 * element's layout only, so every element must have the same one.
 */
record ImageShapes(List<int[]> images) {
  static final String NAME = "img_shapes";

  int tokens() {
    return images.stream().mapToInt(s -> s[0] * s[1] * s[2]).sum();
  }

  String key() {
    StringBuilder b = new StringBuilder();
    images.forEach(s -> b.append(Arrays.toString(s)));
    return b.toString();
  }

  static ImageShapes from(ForwardInputs inputs) {
    JsonNode meta = inputs.meta().get(NAME);
    if (meta != null && !meta.isNull()) {
      return fromJson(meta, inputs.metaSource() + ": " + NAME);
    }
    Optional<Tensor> tensor = inputs.optional(NAME);
    if (tensor.isPresent()) {
      return fromTensor(tensor.get());
    }
    throw new IllegalArgumentException(
        "inputs lack 'img_shapes' (the (frames, rows, columns) token grid of each image): give it in meta.json or as a tensor input");
  }

  private static ImageShapes fromJson(JsonNode node, String where) {
    try {
      return fromJson(node);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + e.getMessage().substring(NAME.length()), e);
    }
  }

  private static ImageShapes fromJson(JsonNode node) {
    if (!node.isArray() || node.isEmpty()) {
      throw fault("must be a non-empty list with one entry per batch element");
    }
    List<List<int[]>> perSample = new ArrayList<>();
    for (JsonNode sample : node) {
      List<int[]> images = new ArrayList<>();
      if (sample.isArray() && !sample.isEmpty() && sample.get(0).isArray()) {
        for (JsonNode image : sample) {
          images.add(triple(image));
        }
      } else {
        images.add(triple(sample));
      }
      perSample.add(images);
    }
    return sameForEverySample(perSample);
  }

  private static ImageShapes fromTensor(Tensor t) {
    if (t.dim() != 2 || t.size(1) != 3) {
      throw fault("as a tensor must be (batch, 3), got " + Tensors.shapeString(t));
    }
    float[] v = Tensors.toFloats(t);
    List<List<int[]>> perSample = new ArrayList<>();
    for (int b = 0; b < t.size(0); b++) {
      int[] s = {(int) v[3 * b], (int) v[3 * b + 1], (int) v[3 * b + 2]};
      if (s[0] != v[3 * b] || s[1] != v[3 * b + 1] || s[2] != v[3 * b + 2] || s[0] <= 0 || s[1] <= 0 || s[2] <= 0) {
        throw fault("must hold positive integers, got " + Arrays.toString(Arrays.copyOfRange(v, 3 * b, 3 * b + 3)));
      }
      perSample.add(List.of(s));
    }
    return sameForEverySample(perSample);
  }

  private static int[] triple(JsonNode n) {
    if (!n.isArray() || n.size() != 3) {
      throw fault("entries must be [frames, rows, columns], got " + n);
    }
    int[] s = new int[3];
    for (int i = 0; i < 3; i++) {
      if (!n.get(i).isIntegralNumber() || !n.get(i).canConvertToInt() || n.get(i).asInt() <= 0) {
        throw fault("entries must hold positive integers, got " + n);
      }
      s[i] = n.get(i).asInt();
    }
    return s;
  }

  private static ImageShapes sameForEverySample(List<List<int[]>> perSample) {
    List<int[]> first = perSample.get(0);
    for (List<int[]> other : perSample) {
      boolean same = other.size() == first.size();
      for (int i = 0; same && i < first.size(); i++) {
        same = Arrays.equals(other.get(i), first.get(i));
      }
      if (!same) {
        throw fault("differs between batch elements; Qwen-Image's rotary embedding takes one image layout for the whole batch");
      }
    }
    return new ImageShapes(first);
  }

  private static IllegalArgumentException fault(String what) {
    return new IllegalArgumentException(NAME + " " + what);
  }
}
