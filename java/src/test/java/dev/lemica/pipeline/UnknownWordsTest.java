package dev.lemica.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.io.Warnings;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.EmbeddedModels;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.junit.jupiter.api.Test;

/** Words the embedded model's tokenizer does not know become <unk>: every command that encodes says which. */
class UnknownWordsTest {
  @Test
  void encodingWarnsOnceNamingTheUnknownWords() {
    List<String> warnings = new ArrayList<>();
    Consumer<String> old = Warnings.routeTo(warnings::add);
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        DiffusionPipeline p = Pipelines.open(EmbeddedModels.shapesWanT2v(), ComputeTarget.CPU_FLOAT32)) {
      p.encode(p.resolve(GenerationRequest.of(List.of("purple triangle moving right", "red circle moving left"))));
      assertEquals(1, warnings.size(), warnings.toString());
      assertTrue(warnings.get(0).contains("[purple, triangle]") && warnings.get(0).contains("purple triangle moving right"), warnings.get(0));
      warnings.clear();
      // The calibrate and evaluate commands encode through the same path.
      ((TextToVideoPipeline) p).encode(List.of("green hexagon staying still"));
      assertEquals(List.of("the model does not know [hexagon] in \"green hexagon staying still\" (they become <unk>)"), warnings);
    } finally {
      Warnings.routeTo(old);
    }
  }
}
