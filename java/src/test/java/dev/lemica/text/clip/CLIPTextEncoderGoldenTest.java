package dev.lemica.text.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.io.StrictJson;
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
import org.junit.jupiter.api.Test;

/** The clip_text golden (transformers' CLIPTextModel, fp32 CPU) and FLUX's pooled prompt embeddings of flux_pipeline_tiny. */
class CLIPTextEncoderGoldenTest {
  private static final double TOLERANCE = 1e-5;

  @Test
  void embeddingsEveryLayerAndTheOutputsMatch() {
    Path golden = Golden.dir("clip_text");
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"));
        CLIPTextEncoder encoder = CLIPTextEncoder.load(golden, ComputeTarget.CPU_FLOAT32)) {
      Tensor ids = io.tensor("in.input_ids");
      check("act.embeddings", encoder.embeddings(ids), io);
      Map<Integer, Tensor> layers = new HashMap<>();
      CLIPTextOutput out = encoder.forward(ids, null, (i, t) -> layers.put(i, t));
      assertEquals(2, layers.size());
      for (int i = 0; i < 2; i++) {
        check("act.encoder.layers." + i, layers.get(i), io);
      }
      check("out.last_hidden_state", out.lastHiddenState(), io);
      check("out.pooler_output", out.pooledOutput(), io);
      assertArrayEquals(new long[] {8, 76}, encoder.pooledIndex(Tensors.toLongs(ids), 77));
      check("out.pooled_prompt_embeds", encoder.pooledOutput(ids), io);
      check("out.pooled_prompt_embeds_x2", ClipPromptEmbeddings.perImage(encoder.pooledOutput(ids), 2), io);
      check("out.last_hidden_state", encoder.lastHiddenState(ids, null), io);
    }
  }

  /** FluxPipeline._get_clip_prompt_embeds from the prompts: tokenizer (tokenizer.json) + the same CLIP weights. */
  @Test
  void fluxPooledPromptEmbeddingsFromPrompts() {
    Path pipeline = Golden.dir("flux_pipeline_tiny");
    JsonNode prompts = StrictJson.readObject(pipeline.resolve("meta.json")).get("prompts");
    List<String> texts = List.of(prompts.get("prompt").get(0).asText(), prompts.get("prompt").get(1).asText());
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(pipeline.resolve("io.safetensors"));
        HfTokenizer tokenizer = HfTokenizer.load(pipeline.resolve("tokenizer"));
        CLIPTextEncoder encoder = CLIPTextEncoder.load(pipeline.resolve("text_encoder"), ComputeTarget.CPU_FLOAT32)) {
      TokenizedBatch batch = tokenizer.encode(texts, 77);
      assertArrayEquals(Tensors.toLongs(io.tensor("in.clip_input_ids")), Tensors.toLongs(batch.idsTensor()));
      Tensor pooled = ClipPromptEmbeddings.pooled(tokenizer, encoder, texts);
      check("out.pooled_prompt_embeds", pooled, io);
      JsonNode index = prompts.get("clip_pooled_index");
      assertArrayEquals(new long[] {index.get(0).asLong(), index.get(1).asLong()}, encoder.pooledIndex(Tensors.toLongs(batch.idsTensor()), 77));
    }
  }

  private static void check(String name, Tensor ours, SafetensorsFile io) {
    double err = Tensors.relativeL2(ours, io.tensor(name));
    System.out.printf("clip %s rel L2 %.2e%n", name, err);
    assertTrue(err < TOLERANCE, name + ": " + err);
  }
}
