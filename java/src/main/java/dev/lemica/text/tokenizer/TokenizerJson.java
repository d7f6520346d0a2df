package dev.lemica.text.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lemica.io.StrictJson;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A {@code tokenizer.json} (the Hugging Face tokenizers format), checked before the Rust library
 * sees it: some malformed files make that library panic, which kills the JVM, where a check here
 * gives one line naming the file. Checked: the model (type WordLevel, WordPiece, BPE or Unigram,
 * its vocabulary, its unknown token), the added tokens, and that every special token a
 * TemplateProcessing post-processor emits is defined (a missing one panics at encode time).
 */
final class TokenizerJson {
  static final List<String> MODEL_TYPES = List.of("WordLevel", "WordPiece", "BPE", "Unigram");

  private final Path file;
  private final ObjectNode root;
  private final String modelType;
  /** Token → id of the model vocabulary and the added tokens (added tokens win, as in the library). */
  private final Map<String, Integer> ids = new HashMap<>();
  private final int unkId;
  private int maxId = -1;

  private TokenizerJson(Path file, ObjectNode root) {
    this.file = file;
    this.root = root;
    JsonNode model = root.get("model");
    if (model == null || !model.isObject()) {
      throw fault("has no \"model\" object (is this a Hugging Face tokenizers file?)");
    }
    JsonNode type = model.get("type");
    if (type == null || !type.isTextual()) {
      throw fault("\"model\" has no \"type\" (one of " + String.join(", ", MODEL_TYPES) + ")");
    }
    modelType = type.asText();
    if (!MODEL_TYPES.contains(modelType)) {
      throw fault("model type '" + modelType + "' is not supported (supported: " + String.join(", ", MODEL_TYPES) + ")");
    }
    if (modelType.equals("Unigram")) {
      readUnigramVocab(model);
      unkId = unigramUnk(model);
    } else {
      readVocabObject(model);
      if (modelType.equals("BPE")) {
        checkMerges(model);
      }
      unkId = namedUnk(model);
    }
    readAddedTokens();
    for (String key : new String[] {"normalizer", "pre_tokenizer", "post_processor", "decoder"}) {
      JsonNode part = root.get(key);
      if (part != null && !part.isNull() && (!part.isObject() || !part.path("type").isTextual())) {
        throw fault("\"" + key + "\" must be null or an object with a \"type\"");
      }
    }
    checkPostProcessor(root.get("post_processor"), "post_processor");
  }

  static TokenizerJson read(Path file) {
    JsonNode root = StrictJson.readObject(file);
    return new TokenizerJson(file, (ObjectNode) root);
  }

  /** A tokenizer.json built in memory; {@code source} names it in messages. */
  static TokenizerJson of(Path source, ObjectNode root) {
    return new TokenizerJson(source, root);
  }

  Path file() {
    return file;
  }

  String modelType() {
    return modelType;
  }

  /** The id of {@code token} (added tokens first, then the model vocabulary). */
  OptionalInt id(String token) {
    Integer id = ids.get(token);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  /** The model's unknown-token id, or -1 when it has none (byte-level BPE). */
  int unkId() {
    return unkId;
  }

  boolean hasAddedToken(String content) {
    for (JsonNode t : addedTokens()) {
      if (t.get("content").asText().equals(content)) {
        return true;
      }
    }
    return false;
  }

  /** Adds a special token to {@code added_tokens} with {@code id} (or the next free id when null). */
  int addSpecialToken(String content, Integer id, JsonNode flags) {
    int assigned = id != null ? id : id(content).orElse(maxId + 1);
    ObjectNode t = addedTokens().addObject();
    t.put("id", assigned);
    t.put("content", content);
    for (String flag : new String[] {"single_word", "lstrip", "rstrip", "normalized"}) {
      t.put(flag, flags != null && flags.path(flag).asBoolean(false));
    }
    t.put("special", true);
    ids.put(content, assigned);
    maxId = Math.max(maxId, assigned);
    return assigned;
  }

  /**
   * The JSON to hand to the library, with the padding and truncation parameters transformers'
   * call would set (the strategy and length are then set per call).
   */
  String withPaddingAndTruncation(int padId, String padToken, boolean padLeft, boolean truncateLeft) {
    ObjectNode copy = root.deepCopy();
    ObjectNode padding = copy.putObject("padding");
    padding.putObject("strategy").put("Fixed", 1);
    padding.put("direction", padLeft ? "Left" : "Right");
    padding.putNull("pad_to_multiple_of");
    padding.put("pad_id", padId);
    padding.put("pad_type_id", 0);
    padding.put("pad_token", padToken);
    ObjectNode truncation = copy.putObject("truncation");
    truncation.put("direction", truncateLeft ? "Left" : "Right");
    truncation.put("max_length", 1);
    truncation.put("strategy", "LongestFirst");
    truncation.put("stride", 0);
    return StrictJson.write(copy);
  }

  private ArrayNode addedTokens() {
    JsonNode added = root.get("added_tokens");
    if (added == null || added.isNull()) {
      return root.putArray("added_tokens");
    }
    return (ArrayNode) added;
  }

  private void readVocabObject(JsonNode model) {
    JsonNode vocab = model.get("vocab");
    if (vocab == null || !vocab.isObject()) {
      throw fault("model.vocab must be an object of token: id (" + modelType + ")");
    }
    Iterator<Map.Entry<String, JsonNode>> it = vocab.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode id = e.getValue();
      if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0) {
        throw fault("model.vocab entry '" + e.getKey() + "' has id " + id + ", not a non-negative integer");
      }
      put(e.getKey(), id.asInt());
    }
  }

  private void readUnigramVocab(JsonNode model) {
    JsonNode vocab = model.get("vocab");
    if (vocab == null || !vocab.isArray()) {
      throw fault("model.vocab must be an array of [piece, score] pairs (Unigram)");
    }
    for (int i = 0; i < vocab.size(); i++) {
      JsonNode pair = vocab.get(i);
      if (!pair.isArray() || pair.size() != 2 || !pair.get(0).isTextual() || !pair.get(1).isNumber()) {
        throw fault("model.vocab[" + i + "] is not a [piece, score] pair");
      }
      put(pair.get(0).asText(), i);
    }
  }

  private int unigramUnk(JsonNode model) {
    JsonNode unk = model.get("unk_id");
    if (unk == null || unk.isNull()) {
      return -1;
    }
    if (!unk.isIntegralNumber() || unk.asInt() < 0 || unk.asInt() >= model.get("vocab").size()) {
      throw fault("model.unk_id " + unk + " is not an index of model.vocab (" + model.get("vocab").size() + " pieces)");
    }
    return unk.asInt();
  }

  private int namedUnk(JsonNode model) {
    JsonNode unk = model.get("unk_token");
    if (unk == null || unk.isNull()) {
      if (!modelType.equals("BPE")) {
        throw fault("model.unk_token is missing (" + modelType + " needs one)");
      }
      return -1;
    }
    if (!unk.isTextual()) {
      throw fault("model.unk_token must be a string");
    }
    Integer id = ids.get(unk.asText());
    if (id == null) {
      throw fault("model.unk_token '" + unk.asText() + "' is not in model.vocab");
    }
    return id;
  }

  private void checkMerges(JsonNode model) {
    JsonNode merges = model.get("merges");
    if (merges == null || !merges.isArray()) {
      throw fault("model.merges must be an array (BPE)");
    }
    for (int i = 0; i < merges.size(); i++) {
      JsonNode m = merges.get(i);
      boolean ok = (m.isTextual() && m.asText().split(" ").length == 2)
          || (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual());
      if (!ok) {
        throw fault("model.merges[" + i + "] is not a pair of tokens");
      }
    }
  }

  private void readAddedTokens() {
    JsonNode added = root.get("added_tokens");
    if (added == null || added.isNull()) {
      return;
    }
    if (!added.isArray()) {
      throw fault("\"added_tokens\" must be an array");
    }
    for (int i = 0; i < added.size(); i++) {
      JsonNode t = added.get(i);
      JsonNode id = t.get("id");
      JsonNode content = t.get("content");
      if (!t.isObject() || id == null || !id.isIntegralNumber() || id.asInt() < 0 || content == null || !content.isTextual()) {
        throw fault("added_tokens[" + i + "] needs an integer \"id\" and a string \"content\"");
      }
      put(content.asText(), id.asInt());
    }
  }

  private void put(String token, int id) {
    ids.put(token, id);
    maxId = Math.max(maxId, id);
  }

  /** TemplateProcessing panics at encode time on a special token it does not define. */
  private void checkPostProcessor(JsonNode p, String where) {
    if (p == null || p.isNull()) {
      return;
    }
    String type = p.path("type").asText();
    if (type.equals("Sequence")) {
      JsonNode list = p.get("processors");
      if (list == null || !list.isArray()) {
        throw fault(where + ": a Sequence needs a \"processors\" array");
      }
      for (int i = 0; i < list.size(); i++) {
        JsonNode inner = list.get(i);
        if (!inner.isObject() || !inner.path("type").isTextual()) {
          throw fault(where + ".processors[" + i + "] must be an object with a \"type\"");
        }
        checkPostProcessor(inner, where + ".processors[" + i + "]");
      }
    } else if (type.equals("TemplateProcessing")) {
      JsonNode special = p.get("special_tokens");
      if (special == null || !special.isObject()) {
        throw fault(where + ": TemplateProcessing needs a \"special_tokens\" object");
      }
      Iterator<Map.Entry<String, JsonNode>> it = special.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode s = e.getValue();
        JsonNode ids = s.get("ids");
        JsonNode tokens = s.get("tokens");
        if (!s.isObject() || ids == null || !ids.isArray() || tokens == null || !tokens.isArray() || ids.size() != tokens.size()) {
          throw fault(where + ".special_tokens['" + e.getKey() + "'] needs \"ids\" and \"tokens\" arrays of one length");
        }
        for (JsonNode id : ids) {
          if (!id.isIntegralNumber() || id.asLong() < 0 || id.asLong() > Integer.MAX_VALUE) {
            throw fault(where + ".special_tokens['" + e.getKey() + "'] has id " + id + ", not a non-negative integer");
          }
        }
      }
      for (String template : new String[] {"single", "pair"}) {
        JsonNode pieces = p.get(template);
        if (pieces == null || !pieces.isArray()) {
          throw fault(where + ": TemplateProcessing needs a \"" + template + "\" array");
        }
        for (JsonNode piece : pieces) {
          JsonNode token = piece.get("SpecialToken");
          if (token != null) {
            String id = token.path("id").asText(null);
            if (id == null || !special.has(id)) {
              throw fault(where + "." + template + " uses special token '" + id + "' that special_tokens does not define");
            }
          } else if (piece.get("Sequence") == null) {
            throw fault(where + "." + template + " holds a piece that is neither a Sequence nor a SpecialToken");
          }
        }
      }
    }
  }

  private IllegalArgumentException fault(String what) {
    return new IllegalArgumentException(file + ": " + what);
  }
}
