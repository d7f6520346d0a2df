package dev.lemica.vae.kl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static dev.lemica.testing.OneLine.assertOneLine;

import dev.lemica.model.ComputeTarget;
import dev.lemica.model.ModelConfig;
import dev.lemica.testing.Golden;
import dev.lemica.torch.TorchRuntime;
import dev.lemica.vae.VaeFolders;
import dev.lemica.vae.Vaes;
import dev.lemica.vae.VideoAutoencoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AutoencoderKL configs, presets, checkpoints and inputs: every fault one line naming the file (or tensor). */
class AutoencoderKLConfigTest {
  @TempDir Path dir;

  @BeforeAll
  static void oneThread() {
    TorchRuntime.configure(null);
  }

  private Path folderWith(String golden, String config) throws IOException {
    return VaeFolders.copyWith(dir.resolve(golden), golden, config);
  }

  @Test
  void thePresetsAreTheReleasedConfigs() {
    AutoencoderKLConfig flux = AutoencoderKLConfig.from(Vaes.preset("flux.1-vae"));
    assertArrayEquals(new int[] {128, 256, 512, 512}, flux.blockOutChannels());
    assertEquals(16, flux.latentChannels());
    assertEquals(32, flux.normNumGroups());
    assertEquals(2, flux.layersPerBlock());
    assertEquals(0.3611, flux.scalingFactor());
    assertEquals(0.1159, flux.shiftFactor());
    assertFalse(flux.useQuantConv() || flux.usePostQuantConv());
    assertEquals(8, flux.spatialFactor());

    AutoencoderKLConfig sd = AutoencoderKLConfig.from(Vaes.preset("sd-vae-ft-ema"));
    assertEquals(4, sd.latentChannels());
    assertEquals(0.18215, sd.scalingFactor(), "the 2022 config has no scaling_factor: diffusers' default");
    assertNull(sd.shiftFactor());
    assertTrue(sd.useQuantConv() && sd.usePostQuantConv() && sd.midBlockAddAttention());

    assertOneLine("VAE preset 'flux.2-vae'", "known: cogvideox1.5-vae, flux.1-vae, opensora-1.2-vae, qwen-image-vae, sd-vae-ft-ema, wan2.1-vae", () -> Vaes.preset("flux.2-vae"));
  }

  @Test
  void missingKeysTakeDiffusersDefaults() {
    AutoencoderKLConfig c = AutoencoderKLConfig.from(ModelConfig.parse("{\"_class_name\": \"AutoencoderKL\"}".getBytes(), Path.of("c.json")));
    assertArrayEquals(new int[] {64}, c.blockOutChannels());
    assertEquals(1, c.layersPerBlock());
    assertEquals(4, c.latentChannels());
    assertEquals(32, c.normNumGroups());
    assertEquals(3, c.inChannels());
    assertEquals(1, c.spatialFactor());
    assertTrue(c.useQuantConv() && c.usePostQuantConv() && c.midBlockAddAttention());
  }

  /** A shrunk FLUX.1 config with made-up weights runs, as the benchmarks use the full one. */
  @Test
  void aSmallRandomVaeRuns() throws IOException {
    String small = VaeFolders.configWith("flux_vae", "block_out_channels", "[4, 4]", "norm_num_groups", "2",
        "down_block_types", "[\"DownEncoderBlock2D\", \"DownEncoderBlock2D\"]", "up_block_types", "[\"UpDecoderBlock2D\", \"UpDecoderBlock2D\"]");
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        VideoAutoencoder vae = Vaes.withRandomWeights(ModelConfig.parse(small.getBytes(), Path.of("small")), ComputeTarget.CPU_FLOAT32, 1)) {
      assertEquals("AutoencoderKL", vae.className());
      assertArrayEquals(new long[] {2, 3, 6, 4}, dev.lemica.torch.Tensors.shape(vae.decodeNormalizedImage(torch.randn(2, 16, 3, 2))), "spatial factor 2");
    }
  }

  @Test
  void badConfigValues() throws IOException {
    String[][] cases = {
      {"down_block_types", "[\"DownEncoderBlock2D\", \"AttnDownEncoderBlock2D\", \"DownEncoderBlock2D\", \"DownEncoderBlock2D\"]",
        "\"down_block_types\" holds 'AttnDownEncoderBlock2D': only DownEncoderBlock2D is supported"},
      {"up_block_types", "[\"UpDecoderBlock2D\"]", "\"up_block_types\" has 1 entries but block_out_channels [8, 16, 16, 16] has 4"},
      {"act_fn", "\"gelu\"", "\"act_fn\" is 'gelu': only silu (swish) is supported"},
      {"norm_num_groups", "3", "\"norm_num_groups\" is 3 but block_out_channels [8, 16, 16, 16] holds 8, not a multiple"},
      {"scaling_factor", "0", "\"scaling_factor\" must be a positive number, got 0.0"},
      {"scaling_factor", "\"big\"", "\"scaling_factor\" is not a number"},
      {"shift_factor", "[0.1]", "\"shift_factor\" is not a number"},
      {"use_quant_conv", "\"yes\"", "\"use_quant_conv\" is not true/false"},
      {"block_out_channels", "[]", "\"block_out_channels\" must be a non-empty array of positive integers"},
      {"latent_channels", "-16", "\"latent_channels\" must be positive, got -16"},
    };
    for (String[] c : cases) {
      Path config = dir.resolve(c[0] + ".json");
      Files.writeString(config, VaeFolders.configWith("flux_vae", c[0], c[1]));
      assertOneLine(config.toString(), c[2], () -> Vaes.withRandomWeights(ModelConfig.read(config), ComputeTarget.CPU_FLOAT32, 1).close());
    }
  }

  @Test
  void weightsThatDoNotFitTheConfig() throws IOException {
    Path wider = folderWith("flux_vae", VaeFolders.configWith("flux_vae", "latent_channels", "8"));
    assertOneLine(wider.toString(), "tensor 'encoder.conv_out.weight' has shape [32, 16, 3, 3] but config.json implies [16, 16, 3, 3]",
        () -> Vaes.load(wider, ComputeTarget.CPU_FLOAT32));
  }

  @Test
  void quantConvsTheCheckpointLacksOrHasBeyondTheConfig() throws IOException {
    Path lacking = folderWith("flux_vae", VaeFolders.configWith("flux_vae", "use_quant_conv", "true"));
    assertOneLine(lacking.toString(), "checkpoint lacks tensor 'quant_conv.weight'", () -> Vaes.load(lacking, ComputeTarget.CPU_FLOAT32));
    Path extra = folderWith("sd_vae", VaeFolders.configWith("sd_vae", "use_post_quant_conv", "false"));
    assertOneLine(extra.toString(), "2 tensors config.json does not account for (first: 'post_quant_conv.bias')", () -> Vaes.load(extra, ComputeTarget.CPU_FLOAT32));
  }

  @Test
  void truncatedWeights() throws IOException {
    Path vae = folderWith("sd_vae", null);
    VaeFolders.truncate(vae.resolve(VaeFolders.WEIGHTS), 500);
    RuntimeException e = assertThrows(RuntimeException.class, () -> Vaes.load(vae, ComputeTarget.CPU_FLOAT32));
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    assertTrue(e.getMessage().startsWith(vae.resolve(VaeFolders.WEIGHTS).toString()), e.getMessage());
  }

  /** The 2022 SD-VAE checkpoints name the attention query/key/value/proj_attn; a half-renamed one is refused by name. */
  @Test
  void legacyAttentionNamesMustBeComplete() throws IOException {
    Path vae = folderWith("sd_vae", null);
    VaeFolders.rewriteWeights(vae, n -> n.replace("decoder.mid_block.attentions.0.to_q.", "decoder.mid_block.attentions.0.query."), Map.of());
    assertOneLine(vae.toString(), "checkpoint lacks tensor 'decoder.mid_block.attentions.0.key.weight'", () -> Vaes.load(vae, ComputeTarget.CPU_FLOAT32));
  }

  @Test
  void inputsOfTheWrongShape() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        AutoencoderKL vae = (AutoencoderKL) Vaes.load(Golden.dir("flux_vae"), ComputeTarget.CPU_FLOAT32)) {
      assertOneLine("latents [1, 4, 1, 2, 2]", "AutoencoderKL expects (B, 16, F, h, w), latent_channels=16", () -> vae.decode(torch.randn(1, 4, 1, 2, 2)));
      assertOneLine("latents [16, 2, 2]", "AutoencoderKL expects (B, 16, F, h, w)", () -> vae.denormalize(torch.randn(16, 2, 2)));
      assertOneLine("latents [1, 16, 2]", "expected images (B, C, H, W) or one-frame videos (B, C, 1, H, W)", () -> vae.decodeNormalizedImage(torch.randn(1, 16, 2)));
      assertOneLine("latents [1, 16, 2, 2, 2]", "one-frame videos", () -> vae.decodeImage(torch.randn(1, 16, 2, 2, 2)));
      assertOneLine("video [1, 3, 1, 40, 36]", "height and width must be positive multiples of 8", () -> vae.encodeImage(torch.rand(1, 3, 40, 36)));
      assertOneLine("video [1, 4, 1, 16, 16]", "in_channels=3", () -> vae.encode(torch.rand(1, 4, 1, 16, 16)));
      assertOneLine("frames per VAE call", "at least 1, got 0", () -> vae.decode(torch.randn(1, 16, 1, 2, 2), 0));
    }
  }
}
