package dev.lemica.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.lemica.torch.Tensors;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.pytorch.Tensor;

/**
 * The inputs of one forward, named as the diffusers forward's arguments ({@code hidden_states},
 * {@code timestep}, ...); non-tensor inputs such as image shapes come in {@link #meta()}.
 */
public final class ForwardInputs {
  private final Map<String, Tensor> tensors;
  private final JsonNode meta;
  private final String metaSource;

  public ForwardInputs(Map<String, Tensor> tensors, JsonNode meta) {
    this(tensors, meta, "meta.json");
  }

  /** @param metaSource names where {@code meta} came from in messages, e.g. the meta.json path */
  public ForwardInputs(Map<String, Tensor> tensors, JsonNode meta, String metaSource) {
    this.tensors = new LinkedHashMap<>(tensors);
    this.meta = meta == null ? JsonNodeFactory.instance.objectNode() : meta;
    this.metaSource = metaSource;
  }

  public static ForwardInputs of(Map<String, Tensor> tensors) {
    return new ForwardInputs(tensors, null);
  }

  public Tensor require(String name) {
    Tensor t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException("inputs lack tensor '" + name + "' (have " + tensors.keySet() + ")");
    }
    return t;
  }

  /** Requires {@code name} with {@code dims} dimensions. */
  public Tensor require(String name, int dims) {
    Tensor t = require(name);
    if (t.dim() != dims) {
      throw new IllegalArgumentException(
          "input '" + name + "' must have " + dims + " dimensions, got shape " + Tensors.shapeString(t));
    }
    return t;
  }

  public Optional<Tensor> optional(String name) {
    return Optional.ofNullable(tensors.get(name));
  }

  public Map<String, Tensor> tensors() {
    return tensors;
  }

  public JsonNode meta() {
    return meta;
  }

  /** Where {@link #meta()} came from, for messages about a bad non-tensor input. */
  public String metaSource() {
    return metaSource;
  }

  /** A copy with {@code name} replaced: how samplers vary the latents and timestep per step. */
  public ForwardInputs with(String name, Tensor value) {
    Map<String, Tensor> copy = new LinkedHashMap<>(tensors);
    copy.put(name, value);
    return new ForwardInputs(copy, meta, metaSource);
  }
}
