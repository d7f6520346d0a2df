package dev.lemica.text.t5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.io.StrictJson;
import dev.lemica.model.ComputeTarget;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.testing.Golden;
import dev.lemica.text.PromptText;
import dev.lemica.text.tokenizer.HfTokenizer;
import dev.lemica.text.tokenizer.TokenizedBatch;
import dev.lemica.torch.Tensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class T5PromptEmbeddingsTest {
  /** The whole text side of the wan_pipeline_tiny golden: cleaning, tokenizer, UMT5, trim and zero-pad. */
  @Test
  void wanPipelineEmbeddingsMatchTheGolden() {
    Path golden = Golden.dir("wan_pipeline_tiny");
    JsonNode call = StrictJson.readObject(golden.resolve("meta.json")).get("call");
    List<String> prompts = new ArrayList<>();
    call.get("prompt").forEach(p -> prompts.add(p.asText()));
    List<String> negative = Collections.nCopies(prompts.size(), "");
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"));
        HfTokenizer tokenizer = HfTokenizer.load(golden.resolve("tokenizer"));
        T5Encoder encoder = T5Encoder.load(golden.resolve("text_encoder"), ComputeTarget.CPU_FLOAT32)) {
      int maxLength = (int) io.tensor("in.input_ids").size(1);
      assertEquals(512, maxLength);
      TokenizedBatch ids = tokenizer.encode(prompts.stream().map(PromptText::cleanWan).toList(), maxLength);
      assertTrue(torch.equal(ids.idsTensor(), io.tensor("in.input_ids")));
      assertTrue(torch.equal(ids.maskTensor(), io.tensor("in.attention_mask")));
      assertTrue(torch.equal(tokenizer.encode(negative, maxLength).idsTensor(), io.tensor("in.negative_input_ids")));
      assertTrue(torch.equal(tokenizer.encode(negative, maxLength).maskTensor(), io.tensor("in.negative_attention_mask")));

      Tensor cond = T5PromptEmbeddings.trimmedAndZeroPadded(tokenizer, encoder, prompts, maxLength);
      Tensor uncond = T5PromptEmbeddings.trimmedAndZeroPadded(tokenizer, encoder, negative, maxLength);
      double c = Tensors.relativeL2(cond, io.tensor("out.prompt_embeds"));
      double u = Tensors.relativeL2(uncond, io.tensor("out.negative_prompt_embeds"));
      System.out.printf("wan_pipeline_tiny prompt_embeds %.2e, negative_prompt_embeds %.2e%n", c, u);
      assertTrue(c < 1e-5, "prompt_embeds " + c);
      assertTrue(u < 1e-5, "negative_prompt_embeds " + u);
      // The rows after each prompt's length are zeros.
      assertEquals(0.0, cond.select(0, 0).narrow(0, 12, 500).abs().max().item_double());
      assertEquals(0.0, cond.select(0, 1).narrow(0, 7, 505).abs().max().item_double());
    }
  }

  /** The umt5 golden's out.prompt_embeds: width 136 zero-padded to 144. */
  @Test
  void zeroPadsBeyondTheTokenizedWidth() {
    Path golden = Golden.dir("umt5");
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"));
        T5Encoder encoder = T5Encoder.load(golden, ComputeTarget.CPU_FLOAT32)) {
      Tensor embeds = T5PromptEmbeddings.trimmedAndZeroPadded(encoder, io.tensor("in.input_ids"), io.tensor("in.attention_mask"), 144);
      assertEquals("[2, 144, 32]", Tensors.shapeString(embeds));
      assertTrue(Tensors.relativeL2(embeds, io.tensor("out.prompt_embeds")) < 1e-5);
    }
  }

  /** FLUX / CogVideoX: every row kept, pads attended. */
  @Test
  void unmaskedKeepsEveryRowAndAttendsToPads() {
    Path golden = Golden.dir("wan_pipeline_tiny");
    try (PointerScope scope = new PointerScope();
        HfTokenizer tokenizer = HfTokenizer.load(golden.resolve("tokenizer"));
        T5Encoder encoder = T5Encoder.load(golden.resolve("text_encoder"), ComputeTarget.CPU_FLOAT32)) {
      List<String> prompts = List.of("a red fox", "two cats");
      Tensor all = T5PromptEmbeddings.unmasked(tokenizer, encoder, prompts, 16);
      TokenizedBatch b = tokenizer.encode(prompts, 16);
      Tensor direct = encoder.lastHiddenState(b.idsTensor(), null);
      assertEquals(0.0, Tensors.relativeL2(all, direct));
      assertTrue(all.select(0, 0).narrow(0, 10, 6).abs().max().item_double() > 0);
      Tensor masked = encoder.lastHiddenState(b.idsTensor(), b.maskTensor());
      assertTrue(Tensors.relativeL2(all.select(0, 0).narrow(0, 0, 4), masked.select(0, 0).narrow(0, 0, 4)) > 1e-3);
    }
  }
}
