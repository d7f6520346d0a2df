package dev.lemica.safetensors;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Finds the weights of a diffusers model folder, whether one file or sharded. */
public final class Checkpoints {
  private static final List<String> SINGLE_FILE_NAMES =
      List.of("diffusion_pytorch_model.safetensors", "model.safetensors");

  private Checkpoints() {}

  public static TensorSource openFolder(Path folder) {
    for (String single : SINGLE_FILE_NAMES) {
      Path index = folder.resolve(single + ".index.json");
      if (Files.isRegularFile(index)) {
        return ShardedCheckpoint.open(index);
      }
      Path file = folder.resolve(single);
      if (Files.isRegularFile(file)) {
        return SafetensorsFile.open(file);
      }
    }
    throw new SafetensorsException(
        folder, "holds no diffusion_pytorch_model.safetensors (nor a sharded .index.json, nor model.safetensors)");
  }
}
