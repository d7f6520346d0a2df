package dev.lemica.vae.wan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static dev.lemica.testing.OneLine.assertOneLine;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lemica.model.ComputeTarget;
import dev.lemica.model.ModelConfig;
import dev.lemica.vae.VaeFolders;
import dev.lemica.vae.Vaes;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AutoencoderKLQwenImage's config keys, read through WanVaeConfig as diffusers reads them. */
class QwenImageConfigTest {
  @TempDir Path dir;

  private static WanVaeConfig parse(String json) {
    return WanVaeConfig.from(ModelConfig.parse(json.getBytes(), Path.of("q.json")));
  }

  @Test
  void thePresetIsTheReleasedConfig() {
    WanVaeConfig c = WanVaeConfig.from(Vaes.preset("qwen-image-vae"));
    assertEquals("AutoencoderKLQwenImage", c.className());
    assertEquals(96, c.baseDim());
    assertEquals(96, c.decoderBaseDim());
    assertEquals(16, c.zDim());
    assertEquals(3, c.inChannels());
    assertEquals(3, c.outChannels());
    assertEquals(4, c.temporalFactor());
    assertEquals(8, c.spatialFactor());
    assertEquals(-0.7571f, c.latentsMean()[0]);
    assertEquals(1.916f, c.latentsStd()[15]);
  }

  /** One key, input_channels, for both ends; the Wan-only keys mean nothing to diffusers' Qwen-Image class. */
  @Test
  void inputChannelsIsBothEndsAndWanOnlyKeysAreIgnored() {
    WanVaeConfig c =
        parse("{\"_class_name\": \"AutoencoderKLQwenImage\", \"base_dim\": 8, \"input_channels\": 4, \"in_channels\": 7, \"out_channels\": 5,"
            + " \"decoder_base_dim\": 2, \"is_residual\": true, \"patch_size\": 2, \"scale_factor_spatial\": 16}");
    assertEquals(4, c.inChannels());
    assertEquals(4, c.outChannels());
    assertEquals(8, c.decoderBaseDim());
    assertEquals(8, c.spatialFactor());
    WanVaeConfig wan = parse("{\"_class_name\": \"AutoencoderKLWan\", \"input_channels\": 4, \"out_channels\": 5}");
    assertEquals(3, wan.inChannels(), "Wan reads in_channels, not input_channels");
    assertEquals(5, wan.outChannels());
  }

  @Test
  void badValuesNameFileAndKey() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> parse("{\"_class_name\": \"AutoencoderKLQwenImage\", \"input_channels\": 0}"));
    assertEquals("q.json: \"input_channels\" must be positive, got 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> parse("{\"_class_name\": \"AutoencoderKL\"}"));
    assertEquals("q.json: \"_class_name\" is 'AutoencoderKL', expected AutoencoderKLWan or AutoencoderKLQwenImage", e.getMessage());
  }

  @Test
  void weightsThatDoNotFitTheConfig() throws IOException {
    Path vae = VaeFolders.copyWith(dir.resolve("vae"), "qwenimage_vae", VaeFolders.configWith("qwenimage_vae", "input_channels", "4"));
    assertOneLine(vae + ": tensor 'encoder.conv_in.weight' has shape [4, 3, 3, 3, 3] but config.json implies [4, 4, 3, 3, 3]", "",
        () -> Vaes.load(dir, ComputeTarget.CPU_FLOAT32));
  }
}
