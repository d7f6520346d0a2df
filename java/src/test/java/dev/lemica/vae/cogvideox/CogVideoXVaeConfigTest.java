package dev.lemica.vae.cogvideox;

import static dev.lemica.testing.OneLine.assertOneLine;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.ModelConfig;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import dev.lemica.vae.VaeFolders;
import dev.lemica.vae.Vaes;
import dev.lemica.vae.VideoAutoencoder;
import java.io.IOException;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CogVideoX config as diffusers reads it, the 1.5 preset, and every refused value in one line naming file and key. */
class CogVideoXVaeConfigTest {
  @TempDir Path dir;

  private static String goldenConfigWith(String... keysAndValues) throws IOException {
    return VaeFolders.configWith("cogvideox_vae", keysAndValues);
  }

  @Test
  void theCogVideoX15PresetIsTheReleasedConfig() {
    CogVideoXVaeConfig c = CogVideoXVaeConfig.from(Vaes.preset("cogvideox1.5-vae"));
    assertArrayEquals(new int[] {128, 256, 256, 512}, c.blockOutChannels());
    assertEquals(16, c.latentChannels());
    assertEquals(3, c.layersPerBlock());
    assertEquals(32, c.normNumGroups());
    assertEquals(0.7, c.scalingFactor());
    assertTrue(c.invertScaleLatents());
    assertEquals(4, c.temporalFactor());
    assertEquals(8, c.spatialFactor());
  }

  /** The preset's architecture, narrowed, with made-up weights: what speed measurements of the real size run. */
  @Test
  void aNarrowedPresetRunsWithRandomWeights() throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode preset = (ObjectNode) Vaes.preset("cogvideox1.5-vae").json().deepCopy();
    preset.set("block_out_channels", json.readTree("[8, 16, 16, 32]"));
    preset.set("norm_num_groups", json.readTree("4"));
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        VideoAutoencoder vae = Vaes.withRandomWeights(ModelConfig.parse(preset.toString().getBytes(), Path.of("narrow")), ComputeTarget.CPU_FLOAT32, 3)) {
      assertEquals(16, vae.latentChannels());
      assertArrayEquals(new long[] {1, 3, 9, 8, 16}, Tensors.shape(vae.decode(torch.randn(1, 16, 3, 1, 2))));
    }
  }

  @Test
  void missingKeysTakeDiffusersDefaults() {
    CogVideoXVaeConfig c = CogVideoXVaeConfig.from(ModelConfig.parse("{\"_class_name\": \"AutoencoderKLCogVideoX\"}".getBytes(), Path.of("c.json")));
    assertArrayEquals(new int[] {128, 256, 256, 512}, c.blockOutChannels());
    assertEquals(1.15258426, c.scalingFactor());
    assertEquals(2, c.temporalCompressLevel());
    assertTrue(!c.useQuantConv() && !c.usePostQuantConv() && !c.invertScaleLatents());
  }

  /** With invert_scale_latents (CogVideoX 1.5) the image-to-video scaling divides: normalize is then not denormalize's inverse. */
  @Test
  void invertScaleLatentsDividesEncodedLatents() throws IOException {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        VideoAutoencoder vae = Vaes.withRandomWeights(
            ModelConfig.parse(goldenConfigWith("invert_scale_latents", "true", "scaling_factor", "0.7").getBytes(), Path.of("inv")), ComputeTarget.CPU_FLOAT32, 1)) {
      Tensor z = torch.randn(1, 4, 2, 2, 2);
      assertEquals(0.0, Tensors.relativeL2(vae.normalize(z), z.mul(new Scalar(1.0 / 0.7))));
      assertEquals(0.0, Tensors.relativeL2(vae.denormalize(z), z.mul(new Scalar(1.0 / 0.7))));
    }
  }

  /** Quant convs where the config asks for them (latent_channels = out_channels, the only shape diffusers can run). */
  @Test
  void quantConvsAsTheConfigSays() throws IOException {
    String config = goldenConfigWith("latent_channels", "3", "use_quant_conv", "true", "use_post_quant_conv", "true");
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        VideoAutoencoder vae = Vaes.withRandomWeights(ModelConfig.parse(config.getBytes(), Path.of("quant")), ComputeTarget.CPU_FLOAT32, 2)) {
      assertArrayEquals(new long[] {2, 3, 9, 8, 16}, Tensors.shape(vae.decode(torch.randn(2, 3, 3, 1, 2))));
      assertArrayEquals(new long[] {1, 3, 2, 1, 2}, Tensors.shape(vae.encodeMean(torch.rand(1, 3, 5, 8, 16))));
    }
  }

  @Test
  void badConfigValues() {
    String[][] cases = {
      {"norm_num_groups", "3", "\"norm_num_groups\" is 3, which does not divide block_out_channels [8, 16, 16, 16]"},
      {"down_block_types", "[\"DownEncoderBlock2D\", \"CogVideoXDownBlock3D\", \"CogVideoXDownBlock3D\", \"CogVideoXDownBlock3D\"]",
          "\"down_block_types\" holds \"DownEncoderBlock2D\": only CogVideoXDownBlock3D"},
      {"up_block_types", "[\"CogVideoXUpBlock3D\"]", "\"up_block_types\" must be an array of 4 block names"},
      {"temporal_compression_ratio", "3", "\"temporal_compression_ratio\" is 3.0: must be a power of 2 of at most 2^3"},
      {"temporal_compression_ratio", "16", "\"temporal_compression_ratio\" is 16.0: must be a power of 2"},
      {"act_fn", "\"gelu\"", "\"act_fn\" is 'gelu': only silu"},
      {"use_quant_conv", "true", "\"use_quant_conv\" is true, but diffusers sizes these 1x1 convolutions by out_channels (3)"},
      {"use_post_quant_conv", "1", "\"use_post_quant_conv\" is not true/false"},
      {"scaling_factor", "-0.7", "\"scaling_factor\" must be a positive number"},
      {"block_out_channels", "[8, 0]", "\"block_out_channels\" must be a non-empty array of positive integers"},
      {"latent_channels", "\"4\"", "\"latent_channels\" is not an integer"},
    };
    VaeFolders.assertRefused(dir, (key, value) -> goldenConfigWith(key, value), cases);
  }

  @Test
  void inputsOfTheWrongShape() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        VideoAutoencoder vae = Vaes.load(Golden.dir("cogvideox_vae"), ComputeTarget.CPU_FLOAT32)) {
      assertOneLine("latents [1, 5, 4, 2, 2]", "AutoencoderKLCogVideoX expects (B, 4, T, h, w)", () -> vae.decode(torch.randn(1, 5, 4, 2, 2)));
      assertOneLine("latents [1, 4, 2, 2]", "expects (B, 4, T, h, w)", () -> vae.decodeNormalized(torch.randn(1, 4, 2, 2)));
      assertOneLine("video [1, 3, 5, 12, 16]", "multiples of 8", () -> vae.encode(torch.rand(1, 3, 5, 12, 16)));
      assertOneLine("video [1, 4, 5, 16, 16]", "in_channels=3", () -> vae.encodeMean(torch.rand(1, 4, 5, 16, 16)));
      assertOneLine("8 frames", "decodes 3 latent frames to 9 frames", () -> vae.decode(torch.randn(1, 4, 3, 1, 1), 8));
    }
  }
}
