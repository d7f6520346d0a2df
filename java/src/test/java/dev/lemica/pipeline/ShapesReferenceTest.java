package dev.lemica.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lemica.cache.CachePolicy;
import dev.lemica.cache.FullCompute;
import dev.lemica.cache.StaticSchedulePolicy;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.EmbeddedModels;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.sampling.StepListener;
import dev.lemica.schedule.Schedule;
import dev.lemica.text.WordEmbeddingEncoder;
import dev.lemica.torch.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The embedded model reproduces its published reference generations (fp32, CPU). */
class ShapesReferenceTest {
  static final Path REFERENCE = Path.of("src/test/resources/shapes-wan-t2v/reference");
  static List<String> prompts = new ArrayList<>();
  static JsonNode meta;

  @BeforeAll
  static void readMeta() throws IOException {
    meta = new ObjectMapper().readTree(Files.readString(REFERENCE.resolve("meta.json")));
    meta.get("prompts").forEach(p -> prompts.add(p.asText()));
  }

  private static Schedule schedule(String name) {
    int[] steps = new int[meta.get("schedules").get(name).size()];
    for (int i = 0; i < steps.length; i++) {
      steps[i] = meta.get("schedules").get(name).get(i).asInt();
    }
    return Schedule.of(50, steps);
  }

  @Test
  void tokenizesThePromptsAsTheReference() {
    try (SafetensorsFile ref = SafetensorsFile.open(REFERENCE.resolve("generations.safetensors"))) {
      WordEmbeddingEncoder encoder = WordEmbeddingEncoder.read(EmbeddedModels.shapesWanT2v().resolve("text_encoder"));
      assertArrayEquals(Tensors.toFloats(ref.tensor("tokens")), Tensors.toFloats(encoder.tokenIds(prompts)));
    }
  }

  @Test
  void reproducesFullAndCachedGenerations() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile ref = SafetensorsFile.open(REFERENCE.resolve("generations.safetensors"));
        TextToVideoPipeline pipeline = TextToVideoPipeline.load(EmbeddedModels.shapesWanT2v(), ComputeTarget.CPU_FLOAT32)) {
      SamplerSettings settings = pipeline.defaults();
      var embeddings = pipeline.encode(prompts);
      check(pipeline, embeddings, ref, settings, FullCompute.INSTANCE, "video.full");
      check(pipeline, embeddings, ref, settings, new StaticSchedulePolicy(schedule("wan13b_b20")), "video.wan13b_b20");
    }
  }

  private static void check(TextToVideoPipeline pipeline, dev.lemica.text.PromptEmbeddings embeddings, SafetensorsFile ref, SamplerSettings settings, CachePolicy policy, String name) {
    TextToVideoPipeline.Generation g =
        pipeline.generate(embeddings, ref.tensor("noise"), settings, policy, GuidedDenoiser.Branches.BATCHED, StepListener.NONE);
    double err = Tensors.relativeL2(g.samples(), ref.tensor(name));
    System.out.printf("%s: relative L2 %.3g in %.1f s%n", name, err, g.seconds());
    assertTrue(err < 1e-4, name + " relative L2 " + err);
  }
}
