package dev.lemica.cli;

import dev.lemica.model.ComputeTarget;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.text.TextEncoderModel;
import dev.lemica.text.TextEncoders;
import dev.lemica.torch.Tensors;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "encode",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a text encoder on token ids, to check it against Python.",
      "The inputs file holds in.input_ids (int64, batch x tokens) and optionally in.attention_mask"
          + " (int64, 1 for real tokens, 0 for padding; without it every position is attended, causally"
          + " for CLIP and Qwen2.5-VL). The output file receives out.last_hidden_state (float32; for"
          + " Qwen2.5-VL hidden_states[-1], after the final norm), and for CLIP also out.pooler_output"
          + " (out.text_embeds for CLIPTextModelWithProjection). Supported encoders: T5EncoderModel,"
          + " UMT5EncoderModel, MT5EncoderModel, CLIPTextModel, CLIPTextModelWithProjection,"
          + " Qwen2_5_VLForConditionalGeneration (its language model on text)."
    })
final class EncodeCommand implements Callable<Integer> {
  static final String IDS = "in.input_ids";
  static final String MASK = "in.attention_mask";

  @Option(
      names = "--model",
      required = true,
      description = "Text encoder folder (config.json + model.safetensors, sharded or not), or a pipeline folder"
          + " holding text_encoder/ (loaded as the class its model_index.json names).")
  Path model;

  @Option(names = "--inputs", required = true, description = "safetensors file with in.input_ids [and in.attention_mask].")
  Path inputs;

  @Option(names = "--out", required = true, description = "safetensors file to write out.last_hidden_state (and out.pooler_output for CLIP) to.")
  Path out;

  @Mixin ComputeOptions compute;

  @Override
  public Integer call() {
    ComputeTarget target = compute.target();
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(inputs)) {
      if (!io.names().contains(IDS)) {
        throw new IllegalArgumentException(inputs + ": holds no " + IDS + " tensor (token ids, int64 batch x tokens)");
      }
      Tensor ids = integers(io, IDS);
      Tensor mask = io.names().contains(MASK) ? integers(io, MASK) : null;
      try (TextEncoderModel encoder = TextEncoders.load(model, target)) {
        long start = System.nanoTime();
        Map<String, Tensor> outputs;
        try {
          outputs = encoder.outputs(ids, mask);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(inputs + ": " + e.getMessage());
        }
        double ms = (System.nanoTime() - start) / 1e6;
        SafetensorsWriter writer = new SafetensorsWriter();
        StringBuilder shapes = new StringBuilder();
        for (Map.Entry<String, Tensor> o : outputs.entrySet()) {
          Tensor value = o.getValue().to(ScalarType.Float);
          writer.put("out." + o.getKey(), value);
          shapes.append(shapes.length() == 0 ? "" : ", ").append("out.").append(o.getKey()).append(' ').append(Tensors.shapeString(value));
        }
        writer.metadata("model", encoder.className()).write(out);
        System.out.printf(
            "%s on %s: %s%s in %.1f ms -> %s%n",
            encoder.className(), target, shapes, mask == null ? " (no attention mask)" : "", ms, out);
      }
    }
    return 0;
  }

  private Tensor integers(SafetensorsFile io, String name) {
    Tensor t = io.tensor(name);
    if (t.is_floating_point()) {
      throw new IllegalArgumentException(inputs + ": " + name + " must hold integers (int64), got " + t.scalar_type());
    }
    return t.to(ScalarType.Long);
  }
}
