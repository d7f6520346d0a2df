package dev.lemica.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lemica.io.StrictJson;
import dev.lemica.distributed.ParallelPlan;
import dev.lemica.model.BlockStackHook;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.DiffusionTransformer;
import dev.lemica.model.ForwardInputs;
import dev.lemica.model.Models;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.sampling.Parallelism;
import dev.lemica.torch.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
    name = "forward",
    mixinStandardHelpOptions = true,
    description = {
      "Runs one transformer forward, to check a port against Python.",
      "The inputs file holds tensors named in.<argument> (in.hidden_states, in.timestep,"
          + " in.encoder_hidden_states, ...), as the golden io.safetensors files do; non-tensor"
          + " inputs (Qwen-Image's img_shapes) come from a meta.json beside it. The output file receives"
          + " out.sample (float32).",
      "FLUX.1 and Qwen-Image take packed latent tokens and a sigma-scale timestep (and guidance), as their"
          + " pipelines pass them; Wan2.1 takes the 5-D latent and a timestep in [0, 1000)."
    })
final class ForwardCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "Diffusers folder (transformer folder or pipeline folder).")
  Path model;

  @Option(names = "--inputs", required = true, description = "safetensors file with in.* tensors.")
  Path inputs;

  @Option(names = "--out", required = true, description = "safetensors file to write out.sample to.")
  Path out;

  @Mixin ComputeOptions compute;

  @Mixin ParallelOptions parallel;

  @Override
  public Integer call() throws IOException {
    ComputeTarget target = compute.target();
    ParallelPlan.Mode mode = parallel.mode();
    Ranks ranks = Ranks.join(target);
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(inputs);
        DiffusionTransformer transformer = Models.load(model, target)) {
      Path meta = inputs.toAbsolutePath().resolveSibling("meta.json");
      ForwardInputs forwardInputs = new ForwardInputs(inTensors(io), readMeta(meta), meta.toString());
      // A forward has no CFG branches to split: its ranks share the tokens.
      Parallelism split = ranks.parallelism(mode, false);
      long start = System.nanoTime();
      Tensor sample = transformer.forward(forwardInputs, BlockStackHook.RUN_ALL, split.sequence()).to(ScalarType.Float);
      double ms = (System.nanoTime() - start) / 1e6;
      ranks.agree();
      if (ranks.leads()) {
        new SafetensorsWriter().put("out.sample", sample).metadata("model", transformer.className()).write(out);
        System.out.printf(
            "%s on %s%s: out.sample %s in %.1f ms -> %s%n",
            transformer.className(), target, ranks.size() > 1 ? " (" + ranks.describe(mode, false) + ")" : "", Tensors.shapeString(sample), ms, out);
      }
    }
    return 0;
  }

  private Map<String, Tensor> inTensors(SafetensorsFile io) {
    Map<String, Tensor> in = new LinkedHashMap<>();
    io.names().stream()
        .filter(n -> n.startsWith("in."))
        .forEach(n -> in.put(n.substring(3), io.tensor(n)));
    if (in.isEmpty()) {
      throw new IllegalArgumentException(inputs + ": holds no in.* tensors");
    }
    return in;
  }

  private JsonNode readMeta(Path meta) {
    if (!Files.isRegularFile(meta)) {
      return null;
    }
    return StrictJson.readObject(meta);
  }
}
