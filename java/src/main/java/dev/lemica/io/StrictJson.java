package dev.lemica.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * JSON for files people edit by hand: duplicate keys, trailing garbage and NaN literals are
 * faults, and every fault becomes one line that starts with the file name, because that line is
 * all the CLI shows.
 */
public final class StrictJson {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .build();

  private StrictJson() {}

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** The bytes of {@code file}, or a one-line error naming it. */
  public static byte[] readBytes(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(file + ": no such file");
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage() + ")");
    }
  }

  /** Reads a file holding one JSON object, or fails with a one-line error naming it. */
  public static JsonNode readObject(Path file) {
    JsonNode root = parse(readBytes(file), file.toString());
    if (!root.isObject()) {
      throw new IllegalArgumentException(file + ": not a JSON object");
    }
    return root;
  }

  /** Parses {@code bytes}; {@code source} names them in the error. */
  public static JsonNode parse(byte[] bytes, String source) {
    try {
      JsonNode root = MAPPER.readTree(bytes);
      if (root == null || root.isMissingNode()) {
        throw new IllegalArgumentException(source + ": malformed JSON: the file is empty");
      }
      return root;
    } catch (JsonProcessingException e) {
      String what = e.getOriginalMessage().lines().findFirst().orElse("syntax error");
      var at = e.getLocation();
      String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      throw new IllegalArgumentException(source + ": malformed JSON" + where + ": " + what);
    } catch (IOException e) {
      throw new IllegalArgumentException(source + ": cannot read (" + e.getMessage() + ")");
    }
  }

  /** Pretty-printed JSON followed by a newline. */
  public static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node) + "\n";
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes {@code text} to {@code file}, creating parent folders. */
  public static void writeFile(Path file, String text) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot write (" + e.getMessage() + ")");
    }
  }

  /** Lower-case hex SHA-256 of {@code bytes}: the provenance hash of an input file. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** "a string", "an array", ...: the JSON type of {@code node}, for messages. */
  public static String describe(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      return "missing";
    }
    return switch (node.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT, POJO -> "an object";
      case STRING -> "the string " + quote(node.asText());
      case BOOLEAN -> node.asText();
      case NULL -> "null";
      case NUMBER -> node.asText();
      default -> node.getNodeType().toString().toLowerCase();
    };
  }

  private static String quote(String s) {
    String cut = s.length() > 40 ? s.substring(0, 40) + "..." : s;
    return "\"" + cut.replace("\n", "\\n") + "\"";
  }
}
