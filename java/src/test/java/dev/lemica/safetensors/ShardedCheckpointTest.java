package dev.lemica.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.torch.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardedCheckpointTest {
  @TempDir Path dir;

  private void writeShards() {
    new SafetensorsWriter().put("a", Tensors.fromFloats(new float[] {1, 2}, 2)).write(dir.resolve("diffusion_pytorch_model-00001-of-00002.safetensors"));
    new SafetensorsWriter().put("b", Tensors.fromFloats(new float[] {3}, 1)).write(dir.resolve("diffusion_pytorch_model-00002-of-00002.safetensors"));
  }

  @Test
  void readsTensorsAcrossShardsThroughTheIndex() throws IOException {
    writeShards();
    Files.writeString(
        dir.resolve("diffusion_pytorch_model.safetensors.index.json"),
        "{\"metadata\":{\"total_size\":12},\"weight_map\":{"
            + "\"a\":\"diffusion_pytorch_model-00001-of-00002.safetensors\","
            + "\"b\":\"diffusion_pytorch_model-00002-of-00002.safetensors\"}}");
    try (TensorSource s = Checkpoints.openFolder(dir)) {
      assertEquals(Set.of("a", "b"), s.names());
      assertArrayEquals(new float[] {1, 2}, Tensors.toFloats(s.tensor("a")));
      assertArrayEquals(new float[] {3}, Tensors.toFloats(s.tensor("b")));
    }
  }

  @Test
  void rejectsAnIndexNamingATensorItsShardLacks() throws IOException {
    writeShards();
    Path index = dir.resolve("diffusion_pytorch_model.safetensors.index.json");
    Files.writeString(index, "{\"weight_map\":{\"b\":\"diffusion_pytorch_model-00001-of-00002.safetensors\"}}");
    SafetensorsException e = assertThrows(SafetensorsException.class, () -> Checkpoints.openFolder(dir));
    assertTrue(e.getMessage().startsWith(index + ": lists 'b'"), e.getMessage());
  }

  @Test
  void rejectsAMissingShardAndAMalformedIndex() throws IOException {
    Path index = dir.resolve("diffusion_pytorch_model.safetensors.index.json");
    Files.writeString(index, "{\"weight_map\":{\"a\":\"nope.safetensors\"}}");
    SafetensorsException e = assertThrows(SafetensorsException.class, () -> Checkpoints.openFolder(dir));
    assertTrue(e.getMessage().contains("nope.safetensors: no such file"), e.getMessage());
    Files.writeString(index, "{\"weight_map\": [");
    e = assertThrows(SafetensorsException.class, () -> Checkpoints.openFolder(dir));
    assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    Files.writeString(index, "{\"weight_map\": {}, \"weight_map\": {}}");
    e = assertThrows(SafetensorsException.class, () -> Checkpoints.openFolder(dir));
    assertTrue(e.getMessage().contains("not valid JSON (Duplicate field 'weight_map'"), e.getMessage());
  }

  @Test
  void explainsAFolderWithoutWeights() {
    SafetensorsException e = assertThrows(SafetensorsException.class, () -> Checkpoints.openFolder(dir));
    assertTrue(e.getMessage().contains("holds no diffusion_pytorch_model.safetensors"));
  }
}
