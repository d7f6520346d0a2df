package dev.lemica.text.tokenizer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * The {@code tokenizer.json} transformers' {@code convert_slow_tokenizer} builds for a folder that
 * has only {@code vocab.json} + {@code merges.txt} (what loading it as a fast tokenizer does), for
 * the two slow classes of this project's pipelines, written field by field as that converter sets
 * them. Special tokens are not added here: {@link HfTokenizer} adds them from tokenizer_config.json
 * and special_tokens_map.json (or the class defaults), as transformers does on top of the converted
 * tokenizer.
 */
final class SlowTokenizerConversion {
  /** CLIPConverter's pre-tokenizer split: contractions, letter runs, single digits, other non-space runs. */
  static final String CLIP_SPLIT = "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";
  /** Qwen2Converter's pre-tokenizer split. */
  static final String QWEN2_SPLIT =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private SlowTokenizerConversion() {}

  /**
   * CLIPConverter: BPE with end-of-word suffix {@code </w>} and {@code unk} as unknown token;
   * normalizer NFC → collapse whitespace runs to one space → lowercase; pre-tokenizer
   * Split(CLIP regex, keep the matches) → ByteLevel (no prefix space); ByteLevel decoder;
   * RobertaProcessing(bos … eos) as post-processor.
   */
  static ObjectNode clip(VocabMerges files, String bos, String eos, String unk) {
    files.id(unk);
    ObjectNode root = skeleton();
    ObjectNode model = bpe(files, unk, "</w>");
    ArrayNode normalizers = F.arrayNode();
    normalizers.addObject().put("type", "NFC");
    ObjectNode replace = normalizers.addObject().put("type", "Replace");
    replace.putObject("pattern").put("Regex", "\\s+");
    replace.put("content", " ");
    normalizers.addObject().put("type", "Lowercase");
    root.putObject("normalizer").put("type", "Sequence").set("normalizers", normalizers);
    ArrayNode pre = F.arrayNode();
    ObjectNode split = pre.addObject().put("type", "Split");
    split.putObject("pattern").put("Regex", CLIP_SPLIT);
    split.put("behavior", "Removed").put("invert", true);
    pre.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", true);
    root.putObject("pre_tokenizer").put("type", "Sequence").set("pretokenizers", pre);
    ObjectNode post = root.putObject("post_processor").put("type", "RobertaProcessing");
    post.putArray("sep").add(eos).add(files.id(eos));
    post.putArray("cls").add(bos).add(files.id(bos));
    post.put("trim_offsets", false).put("add_prefix_space", false);
    root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true).put("use_regex", true);
    root.set("model", model);
    return root;
  }

  /**
   * Qwen2Converter: byte-level BPE without unknown token or suffix; NFC; Split(Qwen2 regex,
   * isolated) → ByteLevel (no prefix space, no second regex); ByteLevel decoder and (offsets-only)
   * post-processor, so no special tokens are added around the text.
   */
  static ObjectNode qwen2(VocabMerges files) {
    ObjectNode root = skeleton();
    ObjectNode model = bpe(files, null, "");
    root.putObject("normalizer").put("type", "NFC");
    ArrayNode pre = F.arrayNode();
    ObjectNode split = pre.addObject().put("type", "Split");
    split.putObject("pattern").put("Regex", QWEN2_SPLIT);
    split.put("behavior", "Isolated").put("invert", false);
    pre.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", false);
    root.putObject("pre_tokenizer").put("type", "Sequence").set("pretokenizers", pre);
    root.putObject("post_processor").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false).put("use_regex", false);
    root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true).put("use_regex", true);
    root.set("model", model);
    return root;
  }

  private static ObjectNode skeleton() {
    ObjectNode root = F.objectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    root.putArray("added_tokens");
    return root;
  }

  private static ObjectNode bpe(VocabMerges files, String unk, String endOfWordSuffix) {
    ObjectNode model = F.objectNode();
    model.put("type", "BPE");
    model.putNull("dropout");
    if (unk == null) {
      model.putNull("unk_token");
    } else {
      model.put("unk_token", unk);
    }
    model.put("continuing_subword_prefix", "");
    model.put("end_of_word_suffix", endOfWordSuffix);
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    ObjectNode vocab = model.putObject("vocab");
    for (Map.Entry<String, Integer> e : files.vocab().entrySet()) {
      vocab.put(e.getKey(), e.getValue());
    }
    ArrayNode merges = model.putArray("merges");
    files.merges().forEach(merges::add);
    return model;
  }
}
