package dev.lemica.text.qwen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.io.StrictJson;
import dev.lemica.model.BlockObserver;
import dev.lemica.model.ComputeTarget;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.testing.Golden;
import dev.lemica.text.tokenizer.HfTokenizer;
import dev.lemica.text.tokenizer.TokenizedBatch;
import dev.lemica.torch.Tensors;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/**
 * The qwen25vl_text golden (transformers' Qwen2.5-VL text path, eager, fp32 CPU; current key names)
 * and the text half of qwenimage_pipeline_tiny (QwenImagePipeline's prompt embeddings; a sharded
 * checkpoint under the hub's legacy names with lm_head and visual weights).
 */
class QwenTextEncoderGoldenTest {
  private static final double TOLERANCE = 1e-5;

  @Test
  void everyLayerTheOutputAndThePositionsMatch() {
    Path golden = Golden.dir("qwen25vl_text");
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"));
        QwenTextEncoder encoder = QwenTextEncoder.load(golden, ComputeTarget.CPU_FLOAT32)) {
      Tensor ids = io.tensor("in.input_ids");
      Tensor mask = io.tensor("in.attention_mask");
      Map<Integer, Tensor> layers = new HashMap<>();
      Tensor out = encoder.lastHiddenState(ids, mask, null, (i, t) -> layers.put(i, t));
      for (int i = 0; i < 2; i++) {
        check("act.layers." + i, layers.get(i), io.tensor("act.layers." + i));
      }
      check("out.hidden_states_last", out, io.tensor("out.hidden_states_last"));
      assertArrayEquals(Tensors.toLongs(io.tensor("out.position_ids")), Tensors.toLongs(QwenPositions.textOnly(mask, 2, 26, mask.device())));
      Tensor leftMask = io.tensor("in.attention_mask_leftpad");
      assertArrayEquals(
          Tensors.toLongs(io.tensor("out.position_ids_leftpad")), Tensors.toLongs(QwenPositions.textOnly(leftMask, 2, 26, leftMask.device())));

      Tensor left = encoder.lastHiddenState(io.tensor("in.input_ids_leftpad"), leftMask);
      Tensor valid = left.flatten(0, 1).index_select(0, leftMask.flatten(0, 1).nonzero().squeeze(1));
      check("out.hidden_states_last_leftpad_valid", valid, io.tensor("out.hidden_states_last_leftpad_valid"));

      Tensor threeAxes = encoder.lastHiddenState(ids, mask, io.tensor("in.position_ids_3d"), BlockObserver.NONE);
      check("out.hidden_states_last_3d", threeAxes, io.tensor("out.hidden_states_last_3d"));
    }
  }

  @Test
  void promptEmbeddingsOfBothPaddingSides() {
    Path golden = Golden.dir("qwen25vl_text");
    int dropIdx = StrictJson.readObject(golden.resolve("meta.json")).get("template").get("drop_idx").asInt();
    assertEquals(12, dropIdx);
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"));
        QwenTextEncoder encoder = QwenTextEncoder.load(golden, ComputeTarget.CPU_FLOAT32)) {
      QwenPromptEmbeddings.Embeddings right = QwenPromptEmbeddings.fromTokens(encoder, io.tensor("in.input_ids"), io.tensor("in.attention_mask"), dropIdx);
      check("out.prompt_embeds", right.embeds(), io.tensor("out.prompt_embeds"));
      assertArrayEquals(Tensors.toLongs(io.tensor("out.prompt_embeds_mask")), Tensors.toLongs(right.mask()));
      QwenPromptEmbeddings.Embeddings left =
          QwenPromptEmbeddings.fromTokens(encoder, io.tensor("in.input_ids_leftpad"), io.tensor("in.attention_mask_leftpad"), dropIdx);
      check("out.prompt_embeds_leftpad", left.embeds(), io.tensor("out.prompt_embeds_leftpad"));
      assertArrayEquals(Tensors.toLongs(io.tensor("out.prompt_embeds_mask")), Tensors.toLongs(left.mask()));
      assertTrue(right.maskOrNull() != null, "rows of different lengths keep their mask");
    }
  }

  /** QwenImagePipeline.encode_prompt from the prompts, through the pipeline folder (model_index.json names the class). */
  @Test
  void qwenImagePromptEmbeddingsFromPrompts() {
    Path pipeline = Golden.dir("qwenimage_pipeline_tiny");
    JsonNode meta = StrictJson.readObject(pipeline.resolve("meta.json"));
    JsonNode prompts = meta.get("prompts");
    List<String> texts = List.of(prompts.get("prompt").get(0).asText(), prompts.get("prompt").get(1).asText());
    assertEquals(prompts.get("template").asText(), QwenPromptEmbeddings.TEMPLATE);
    assertEquals(prompts.get("drop_idx").asInt(), QwenPromptEmbeddings.DROP_IDX);
    assertEquals(prompts.get("txt").get(0).asText(), QwenPromptEmbeddings.templated(texts.get(0)));
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(pipeline.resolve("io.safetensors"));
        HfTokenizer tokenizer = HfTokenizer.load(pipeline.resolve("tokenizer"));
        QwenTextEncoder encoder = (QwenTextEncoder) dev.lemica.text.TextEncoders.load(pipeline, ComputeTarget.CPU_FLOAT32)) {
      TokenizedBatch batch = tokenizer.encodeLongest(texts.stream().map(QwenPromptEmbeddings::templated).toList(), 1058);
      assertArrayEquals(Tensors.toLongs(io.tensor("in.input_ids")), Tensors.toLongs(batch.idsTensor()));
      assertArrayEquals(Tensors.toLongs(io.tensor("in.attention_mask")), Tensors.toLongs(batch.maskTensor()));
      check("act.prompt_hidden_states", encoder.lastHiddenState(batch.idsTensor(), batch.maskTensor()), io.tensor("act.prompt_hidden_states"));

      QwenPromptEmbeddings.Embeddings cond = QwenPromptEmbeddings.embed(tokenizer, encoder, texts, meta.get("max_sequence_length").asInt());
      check("out.prompt_embeds", cond.embeds(), io.tensor("out.prompt_embeds"));
      assertArrayEquals(Tensors.toLongs(io.tensor("out.prompt_embeds_mask")), Tensors.toLongs(cond.mask()));
      assertEquals(ScalarType.Float.value, cond.embeds().scalar_type().value);

      // The negative prompt " " is one row: the bare template's suffix, mask all ones -> None.
      QwenPromptEmbeddings.Embeddings uncond = QwenPromptEmbeddings.embed(tokenizer, encoder, List.of(prompts.get("negative_prompt").asText()));
      check("out.negative_prompt_embeds", uncond.embeds(), io.tensor("out.negative_prompt_embeds"));
      assertNull(uncond.maskOrNull());
    }
  }

  private static void check(String name, Tensor ours, Tensor reference) {
    double err = Tensors.relativeL2(ours, reference);
    System.out.printf("qwen %s rel L2 %.2e%n", name, err);
    assertTrue(err < TOLERANCE, name + ": " + err);
  }
}
