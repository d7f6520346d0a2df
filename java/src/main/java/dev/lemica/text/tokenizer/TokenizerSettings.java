package dev.lemica.text.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.lemica.io.StrictJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * What transformers reads from {@code tokenizer_config.json} and {@code special_tokens_map.json}
 * and the tokenizers library does not: padding and truncation side, the pad token,
 * {@code model_max_length}, and special tokens (T5's {@code <extra_id_N>}, ...) the tokenizer
 * class adds on top of {@code tokenizer.json}. Both files are optional; special_tokens_map.json
 * wins where both name a token, as in transformers' {@code from_pretrained}.
 */
final class TokenizerSettings {
  private static final String[] SPECIAL_KEYS = {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"};

  final boolean padLeft;
  final boolean truncateLeft;
  /** Null when neither file names one. */
  final String padToken;
  /** The bos / eos / unk tokens the files name, or null. */
  final String bosToken;
  final String eosToken;
  final String unkToken;
  /** {@code tokenizer_class} of tokenizer_config.json, or null. */
  final String tokenizerClass;
  final OptionalInt modelMaxLength;
  /** Special tokens in the order transformers adds them, with an explicit id where the config gives one. */
  final List<ExtraToken> specialTokens = new ArrayList<>();

  record ExtraToken(String content, Integer id, JsonNode flags) {}

  private TokenizerSettings(JsonNode config, Path configFile, JsonNode map, Path mapFile) {
    padLeft = side(config, "padding_side", configFile);
    truncateLeft = side(config, "truncation_side", configFile);
    padToken = named("pad_token", config, configFile, map, mapFile);
    bosToken = named("bos_token", config, configFile, map, mapFile);
    eosToken = named("eos_token", config, configFile, map, mapFile);
    unkToken = named("unk_token", config, configFile, map, mapFile);
    JsonNode cls = config.get("tokenizer_class");
    if (cls != null && !cls.isNull() && !cls.isTextual()) {
      throw new IllegalArgumentException(configFile + ": \"tokenizer_class\" is not a string");
    }
    tokenizerClass = cls == null || cls.isNull() ? null : cls.asText();
    JsonNode max = config.get("model_max_length");
    if (max != null && !max.isNull() && !max.isNumber()) {
      throw new IllegalArgumentException(configFile + ": \"model_max_length\" is not a number");
    }
    modelMaxLength = max == null || max.isNull() || max.asDouble() >= Integer.MAX_VALUE || max.asDouble() < 1
        ? OptionalInt.empty()
        : OptionalInt.of((int) max.asDouble());
    JsonNode decoder = config.get("added_tokens_decoder");
    if (decoder != null && decoder.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> it = decoder.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        String content = e.getValue().path("content").asText(null);
        if (content == null || !e.getKey().matches("\\d+")) {
          throw new IllegalArgumentException(configFile + ": added_tokens_decoder['" + e.getKey() + "'] needs a numeric id and a \"content\"");
        }
        specialTokens.add(new ExtraToken(content, Integer.parseInt(e.getKey()), e.getValue()));
      }
    }
    for (String key : SPECIAL_KEYS) {
      String token = named(key, config, configFile, map, mapFile);
      if (token != null) {
        specialTokens.add(new ExtraToken(token, null, null));
      }
    }
    List<String> additional = tokenList(map.get("additional_special_tokens"), mapFile);
    if (additional.isEmpty()) {
      additional = tokenList(config.get("additional_special_tokens"), configFile);
    }
    // T5Tokenizer(Fast): extra_ids sentinel tokens unless additional_special_tokens already names them.
    JsonNode extra = config.get("extra_ids");
    if (extra != null && extra.canConvertToInt() && extra.asInt() > 0 && additional.stream().noneMatch(t -> t.contains("<extra_id_"))) {
      for (int i = 0; i < extra.asInt(); i++) {
        additional.add("<extra_id_" + i + ">");
      }
    }
    for (String token : additional) {
      specialTokens.add(new ExtraToken(token, null, null));
    }
  }

  private TokenizerSettings(TokenizerSettings s, String pad, String bos, String eos, String unk) {
    padLeft = s.padLeft;
    truncateLeft = s.truncateLeft;
    padToken = s.padToken != null ? s.padToken : pad;
    bosToken = s.bosToken != null ? s.bosToken : bos;
    eosToken = s.eosToken != null ? s.eosToken : eos;
    unkToken = s.unkToken != null ? s.unkToken : unk;
    modelMaxLength = s.modelMaxLength;
    tokenizerClass = s.tokenizerClass;
    specialTokens.addAll(s.specialTokens);
    // The class's own special tokens, where the files name none: added after those they name.
    for (String token : new String[] {bos, eos, unk, pad}) {
      if (token != null && specialTokens.stream().noneMatch(t -> t.content().equals(token))) {
        specialTokens.add(new ExtraToken(token, null, null));
      }
    }
  }

  /**
   * These settings with a tokenizer class's defaults for the tokens the files leave out (e.g.
   * CLIPTokenizer's {@code <|startoftext|>} / {@code <|endoftext|>}); a null default stays unset.
   */
  TokenizerSettings withDefaults(String pad, String bos, String eos, String unk) {
    return new TokenizerSettings(this, pad, bos, eos, unk);
  }

  static TokenizerSettings read(Path folder) {
    Path configFile = folder.resolve("tokenizer_config.json");
    Path mapFile = folder.resolve("special_tokens_map.json");
    JsonNode config = Files.exists(configFile) ? StrictJson.readObject(configFile) : MissingNode.getInstance();
    JsonNode map = Files.exists(mapFile) ? StrictJson.readObject(mapFile) : MissingNode.getInstance();
    return new TokenizerSettings(config, configFile, map, mapFile);
  }

  private static boolean side(JsonNode config, String key, Path file) {
    JsonNode v = config.get(key);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isTextual() || !(v.asText().equals("right") || v.asText().equals("left"))) {
      throw new IllegalArgumentException(file + ": \"" + key + "\" must be \"right\" or \"left\", got " + v);
    }
    return v.asText().equals("left");
  }

  /** special_tokens_map.json's entry for {@code key}, else tokenizer_config.json's, else null. */
  private static String named(String key, JsonNode config, Path configFile, JsonNode map, Path mapFile) {
    String fromMap = tokenString(map.get(key), mapFile, key);
    return fromMap != null ? fromMap : tokenString(config.get(key), configFile, key);
  }

  /** A token given as a string or as an AddedToken object ({@code {"content": ...}}); null when absent. */
  private static String tokenString(JsonNode v, Path file, String key) {
    if (v == null || v.isNull() || v.isMissingNode()) {
      return null;
    }
    if (v.isTextual()) {
      return v.asText();
    }
    if (v.isObject() && v.path("content").isTextual()) {
      return v.get("content").asText();
    }
    throw new IllegalArgumentException(file + ": \"" + key + "\" must be a token string or an object with \"content\"");
  }

  private static List<String> tokenList(JsonNode v, Path file) {
    List<String> out = new ArrayList<>();
    if (v == null || v.isNull() || v.isMissingNode()) {
      return out;
    }
    if (!v.isArray()) {
      throw new IllegalArgumentException(file + ": \"additional_special_tokens\" must be an array");
    }
    for (JsonNode t : v) {
      out.add(tokenString(t, file, "additional_special_tokens"));
    }
    return out;
  }
}
