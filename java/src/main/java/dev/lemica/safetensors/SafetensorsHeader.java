package dev.lemica.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates the JSON header of a safetensors file. Every check that would otherwise surface
 * later as a wrong tensor, a native crash or an out-of-bounds read is done here, once, with a message
 * naming the tensor at fault.
 */
final class SafetensorsHeader {
  static final String METADATA_KEY = "__metadata__";
  /** The format's own limit; a larger value is a corrupt length field, not a real header. */
  static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  final Map<String, TensorEntry> tensors;
  final Map<String, String> metadata;

  private SafetensorsHeader(Map<String, TensorEntry> tensors, Map<String, String> metadata) {
    this.tensors = tensors;
    this.metadata = metadata;
  }

  static SafetensorsHeader parse(Path file, ByteBuffer headerBytes, long dataSize) {
    JsonNode root = readJson(file, headerBytes);
    if (!root.isObject()) {
      throw new SafetensorsException(file, "header is not a JSON object");
    }
    Map<String, TensorEntry> tensors = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (field.getKey().equals(METADATA_KEY)) {
        readMetadata(file, field.getValue(), metadata);
      } else {
        tensors.put(field.getKey(), readEntry(file, field.getKey(), field.getValue(), dataSize));
      }
    }
    rejectOverlaps(file, tensors.values());
    return new SafetensorsHeader(tensors, metadata);
  }

  private static JsonNode readJson(Path file, ByteBuffer headerBytes) {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(headerBytes)
              .toString();
    } catch (CharacterCodingException e) {
      throw new SafetensorsException(file, "header is not valid UTF-8");
    }
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new SafetensorsException(
          file, "header is not valid JSON (" + e.getOriginalMessage().lines().findFirst().orElse("") + ")");
    }
  }

  private static void readMetadata(Path file, JsonNode node, Map<String, String> out) {
    if (!node.isObject()) {
      throw new SafetensorsException(file, METADATA_KEY + " is not a JSON object");
    }
    node.fields()
        .forEachRemaining(
            e -> {
              if (!e.getValue().isTextual()) {
                throw new SafetensorsException(
                    file, METADATA_KEY + " value of '" + e.getKey() + "' is not a string");
              }
              out.put(e.getKey(), e.getValue().asText());
            });
  }

  private static TensorEntry readEntry(Path file, String name, JsonNode node, long dataSize) {
    String where = "tensor '" + name + "'";
    if (!node.isObject()) {
      throw new SafetensorsException(file, where + " is not a JSON object");
    }
    JsonNode dtypeNode = node.get("dtype");
    if (dtypeNode == null || !dtypeNode.isTextual()) {
      throw new SafetensorsException(file, where + " has no dtype string");
    }
    Dtype dtype =
        Dtype.byName(dtypeNode.asText())
            .orElseThrow(
                () ->
                    new SafetensorsException(
                        file, where + " has unknown dtype '" + dtypeNode.asText() + "'"));
    long[] shape = readNonNegativeLongs(file, where, "shape", node.get("shape"), -1);
    long[] offsets = readNonNegativeLongs(file, where, "data_offsets", node.get("data_offsets"), 2);
    long begin = offsets[0];
    long end = offsets[1];
    if (end < begin) {
      throw new SafetensorsException(file, where + " has data_offsets [" + begin + ", " + end + "] that end before they begin");
    }
    if (end > dataSize) {
      throw new SafetensorsException(
          file,
          where + " has data_offsets [" + begin + ", " + end + "] outside the " + dataSize
              + "-byte data section (truncated file?)");
    }
    long expected;
    try {
      expected = dtype.bytes();
      for (long d : shape) {
        expected = Math.multiplyExact(expected, d);
      }
    } catch (ArithmeticException e) {
      throw new SafetensorsException(file, where + " has a shape too large to address");
    }
    if (expected != end - begin) {
      throw new SafetensorsException(
          file,
          where + " of shape " + java.util.Arrays.toString(shape) + " and dtype " + dtype + " needs "
              + expected + " bytes but data_offsets span " + (end - begin));
    }
    return new TensorEntry(name, dtype, shape, begin, end);
  }

  private static long[] readNonNegativeLongs(
      Path file, String where, String key, JsonNode node, int requiredLength) {
    if (node == null || !node.isArray()) {
      throw new SafetensorsException(file, where + " has no " + key + " array");
    }
    if (requiredLength >= 0 && node.size() != requiredLength) {
      throw new SafetensorsException(
          file, where + " " + key + " has " + node.size() + " entries, expected " + requiredLength);
    }
    long[] out = new long[node.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode v = node.get(i);
      if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
        throw new SafetensorsException(
            file, where + " " + key + " holds '" + v + "', not a non-negative integer");
      }
      out[i] = v.asLong();
    }
    return out;
  }

  private static void rejectOverlaps(Path file, Iterable<TensorEntry> entries) {
    List<TensorEntry> sorted = new ArrayList<>();
    entries.forEach(
        e -> {
          if (e.byteLength() > 0) {
            sorted.add(e);
          }
        });
    sorted.sort(Comparator.comparingLong(TensorEntry::begin));
    for (int i = 1; i < sorted.size(); i++) {
      TensorEntry previous = sorted.get(i - 1);
      TensorEntry current = sorted.get(i);
      if (current.begin() < previous.end()) {
        throw new SafetensorsException(
            file,
            "tensors '" + previous.name() + "' and '" + current.name() + "' overlap (bytes "
                + current.begin() + ".." + Math.min(previous.end(), current.end()) + ")");
      }
    }
  }
}
