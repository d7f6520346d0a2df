package dev.lemica.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** CogVideoX and Latte folders that do not fit the implementation are refused with the file and the reason, in one line. */
class VideoModelsTest {
  @TempDir Path dir;

  private Path copyWithConfig(String golden, String from, String to) throws IOException {
    Files.copy(Golden.dir(golden).resolve("diffusion_pytorch_model.safetensors"), dir.resolve("diffusion_pytorch_model.safetensors"), StandardCopyOption.REPLACE_EXISTING);
    String c = Files.readString(Golden.dir(golden).resolve("config.json"));
    assertTrue(c.contains(from), from);
    Files.writeString(dir.resolve("config.json"), c.replace(from, to));
    return dir;
  }

  private String failure(Path folder) {
    Exception e = assertThrows(IllegalArgumentException.class, () -> Models.load(folder, ComputeTarget.CPU_FLOAT32).close());
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    assertTrue(e.getMessage().startsWith(folder.toString()), e.getMessage());
    return e.getMessage();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "cogvideox15|\"patch_size_t\": 2|\"patch_size_t\": null|CogVideoX 1.0 models (2B, 5B) are not supported yet",
        "cogvideox15|\"ofs_embed_dim\": null|\"ofs_embed_dim\": 512|image-to-video (ofs embedding) is not supported",
        "cogvideox15|\"use_rotary_positional_embeddings\": true|\"use_rotary_positional_embeddings\": false|only rotary CogVideoX 1.5",
        "cogvideox15|\"attention_head_dim\": 16|\"attention_head_dim\": 24|must be a multiple of 16",
        "cogvideox15|\"num_layers\": 2|\"num_layers\": \"two\"|\"num_layers\" is not an integer",
        "cogvideox15|\"activation_fn\": \"gelu-approximate\"|\"activation_fn\": \"mish\"|activation 'mish' is not supported",
        "cogvideox15|\"timestep_activation_fn\": \"silu\"|\"timestep_activation_fn\": \"tanh\"|'tanh' is not supported",
        "cogvideox15|\"norm_eps\"|\"norm_eps_typo\"|missing key \"norm_eps\"",
        "cogvideox15|\"num_layers\": 2|\"num_layers\": 3|checkpoint lacks tensor 'transformer_blocks.2.",
        "cogvideox15|\"text_embed_dim\": 12|\"text_embed_dim\": 13|tensor 'patch_embed.text_proj.weight' has shape [32, 12] but config.json implies [32, 13]",
        "latte|\"norm_type\": \"ada_norm_single\"|\"norm_type\": \"ada_norm_zero\"|conditions through ada_norm_single only",
        "latte|\"cross_attention_dim\": 16|\"cross_attention_dim\": 20|caption projection makes 16-wide text",
        "latte|\"caption_channels\": 12|\"caption_channels\": -1|\"caption_channels\" must be positive",
        "latte|\"out_channels\": 8|\"out_channels\": 4|tensor 'proj_out.weight' has shape [32, 16] but config.json implies [16, 16]",
        "latte|\"norm_elementwise_affine\": false|\"norm_elementwise_affine\": true|checkpoint lacks tensor 'transformer_blocks.0.norm1.weight'",
      })
  void refusesWithTheFileAndTheFault(String golden, String from, String to, String fault) throws IOException {
    String m = failure(copyWithConfig(golden, from, to));
    assertTrue(m.contains(fault), m);
  }

  @Test
  void refusesATruncatedCheckpoint() throws IOException {
    Path folder = copyWithConfig("latte", "\"num_layers\": 2", "\"num_layers\": 2");
    byte[] weights = Files.readAllBytes(folder.resolve("diffusion_pytorch_model.safetensors"));
    Files.write(folder.resolve("diffusion_pytorch_model.safetensors"), java.util.Arrays.copyOf(weights, weights.length / 2));
    Exception e = assertThrows(dev.lemica.safetensors.SafetensorsException.class, () -> Models.load(folder, ComputeTarget.CPU_FLOAT32).close());
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    assertTrue(e.getMessage().startsWith(folder.resolve("diffusion_pytorch_model.safetensors").toString()), e.getMessage());
  }

  @Test
  void presetsAreTheReleasedSizes() {
    for (String preset : new String[] {"cogvideox1.5-5b", "latte-1"}) {
      ModelConfig config = Models.preset(preset);
      assertTrue(config.className().endsWith("Transformer3DModel"), preset);
    }
    var cog = dev.lemica.model.cogvideox.CogVideoXConfig.from(Models.preset("cogvideox1.5-5b"));
    assertEquals(3072, cog.dim());
    assertEquals(42, cog.layers());
    var latte = dev.lemica.model.latte.LatteConfig.from(Models.preset("latte-1"));
    assertEquals(1152, latte.dim());
    assertEquals(28, latte.layers());
  }
}
