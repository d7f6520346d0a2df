package dev.lemica.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static dev.lemica.testing.OneLine.assertOneLine;

import dev.lemica.model.ComputeTarget;
import dev.lemica.model.ModelConfig;
import dev.lemica.testing.Golden;
import dev.lemica.vae.wan.WanVaeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding, configuring and refusing VAEs: every fault is one line naming the file (or tensor). */
class VaesTest {
  @TempDir Path dir;

  /** A copy of the golden VAE folder with config.json replaced by {@code config} (unless null). */
  private Path vaeWith(String config) throws IOException {
    return VaeFolders.copyWith(dir.resolve("vae"), "wan_vae", config);
  }

  /** The golden config.json with each (key, JSON value) pair set. */
  private static String goldenConfigWith(String... keysAndValues) throws IOException {
    return VaeFolders.configWith("wan_vae", keysAndValues);
  }

  @Test
  void loadsFromThePipelineFolderItsVaeSubfolder() throws IOException {
    Path vae = vaeWith(null);
    assertEquals(vae, Vaes.vaeFolder(dir));
    assertEquals(vae, Vaes.vaeFolder(vae));
    try (VideoAutoencoder loaded = Vaes.load(dir, ComputeTarget.CPU_FLOAT32)) {
      assertEquals("AutoencoderKLWan", loaded.className());
      assertEquals(4, loaded.latentChannels());
      assertEquals(4, loaded.temporalFactor());
      assertEquals(8, loaded.spatialFactor());
      assertEquals(81, loaded.videoFrames(21));
    }
    assertOneLine(dir.resolve("none").toString(), "no such model folder", () -> Vaes.vaeFolder(dir.resolve("none")));
    Files.createDirectories(dir.resolve("empty"));
    assertOneLine(dir.resolve("empty").toString(), "not a diffusers VAE folder", () -> Vaes.vaeFolder(dir.resolve("empty")));
  }

  @Test
  void theWan21PresetIsTheReleasedConfig() {
    ModelConfig preset = Vaes.preset("wan2.1-vae");
    WanVaeConfig c = WanVaeConfig.from(preset);
    assertEquals(96, c.baseDim());
    assertEquals(16, c.zDim());
    assertEquals(4, c.temporalFactor());
    assertEquals(8, c.spatialFactor());
    assertEquals(-0.7571f, c.latentsMean()[0]);
    assertEquals(1.916f, c.latentsStd()[15]);
    assertOneLine("VAE preset 'wan2.2-vae'", "known: cogvideox1.5-vae, flux.1-vae, opensora-1.2-vae, qwen-image-vae, sd-vae-ft-ema, wan2.1-vae", () -> Vaes.preset("wan2.2-vae"));
  }

  /** The released config lacks the keys later diffusers added; their defaults apply. */
  @Test
  void missingKeysTakeDiffusersDefaults() {
    WanVaeConfig c = WanVaeConfig.from(ModelConfig.parse("{\"_class_name\": \"AutoencoderKLWan\"}".getBytes(), Path.of("c.json")));
    assertEquals(96, c.decoderBaseDim());
    assertEquals(3, c.inChannels());
    assertEquals(2, c.numResBlocks());
    assertEquals(0.9653f, c.latentsMean()[5]);
  }

  @Test
  void aSmallRandomVaeRunsForBenchmarks() throws IOException {
    String config = goldenConfigWith("base_dim", "4");
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        VideoAutoencoder vae = Vaes.withRandomWeights(ModelConfig.parse(config.getBytes(), Path.of("small")), ComputeTarget.CPU_FLOAT32, 1)) {
      assertEquals(5, vae.decode(torch.randn(1, 4, 2, 1, 1)).size(2));
    }
  }

  @Test
  void configValuesThisPortDoesNotImplementNameFileAndKey() throws IOException {
    String file = dir.resolve("vae").resolve("config.json").toString();
    assertOneLine(file, "\"is_residual\" is true", () -> Vaes.load(vaeWith(goldenConfigWith("is_residual", "true")), ComputeTarget.CPU_FLOAT32));
  }

  @Test
  void patchSize() throws IOException {
    String file = dir.resolve("vae").resolve("config.json").toString();
    assertOneLine(file, "\"patch_size\" is 2", () -> Vaes.load(vaeWith(goldenConfigWith("patch_size", "2")), ComputeTarget.CPU_FLOAT32));
  }

  @Test
  void badConfigValues() {
    String[][] cases = {
      {"attn_scales", "[0.5]", "\"attn_scales\" is [0.5]"},
      {"temperal_downsample", "[true, true]", "\"temperal_downsample\" has 2 entries"},
      {"scale_factor_temporal", "8", "\"scale_factor_temporal\" is 8 but temperal_downsample implies 4"},
      {"latents_std", "[1, 2, 3]", "\"latents_std\" must be an array of z_dim=4 numbers"},
      {"latents_std", "[1, 2, 0, 3]", "\"latents_std\" must hold positive numbers"},
      {"dim_mult", "\"x\"", "\"dim_mult\" must be a non-empty array of positive integers"},
      {"z_dim", "4.5", "\"z_dim\" is not an integer"},
      {"_class_name", "\"AutoencoderKLMagic\"", "'AutoencoderKLMagic' is not a supported VAE (supported: AutoencoderKL, AutoencoderKLCogVideoX, AutoencoderKLQwenImage, AutoencoderKLWan, VideoAutoencoderPipeline)"},
    };
    VaeFolders.assertRefused(dir, (key, value) -> goldenConfigWith(key, value), cases);
  }

  @Test
  void weightsThatDoNotFitTheConfig() throws IOException {
    // z_dim 5 with the golden's z_dim-4 weights: the first tensor whose shape differs is named.
    String z5 = goldenConfigWith("z_dim", "5", "latents_mean", "[0, 0, 0, 0, 0]", "latents_std", "[1, 1, 1, 1, 1]");
    Path vae = vaeWith(z5);
    assertOneLine(vae.toString(), "tensor 'encoder.conv_out.weight' has shape [8, 16, 3, 3, 3] but config.json implies [10, 16, 3, 3, 3]",
        () -> Vaes.load(vae, ComputeTarget.CPU_FLOAT32));
  }

  @Test
  void extraTensorsInTheCheckpoint() throws IOException {
    Path vae = vaeWith(null);
    VaeFolders.rewriteWeights(vae, n -> n, Map.of("decoder.up_blocks.3.upsamplers.0.resample.1.weight", torch.zeros(4, 8, 3, 3)));
    assertOneLine(vae.toString(), "1 tensors config.json does not account for (first: 'decoder.up_blocks.3.upsamplers.0.resample.1.weight')",
        () -> Vaes.load(vae, ComputeTarget.CPU_FLOAT32));
  }

  @Test
  void truncatedWeights() throws IOException {
    Path vae = vaeWith(null);
    VaeFolders.truncate(vae.resolve(VaeFolders.WEIGHTS), 1000);
    RuntimeException e = assertThrows(RuntimeException.class, () -> Vaes.load(vae, ComputeTarget.CPU_FLOAT32));
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    assertTrue(e.getMessage().startsWith(vae.resolve(VaeFolders.WEIGHTS).toString()), e.getMessage());
  }

  @Test
  void inputsOfTheWrongShape() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        VideoAutoencoder vae = Vaes.load(Golden.dir("wan_vae"), ComputeTarget.CPU_FLOAT32)) {
      assertOneLine("latents [1, 5, 2, 2, 2]", "expects (B, 4, T, h, w)", () -> vae.decode(torch.randn(1, 5, 2, 2, 2)));
      assertOneLine("latents [4, 2, 2, 2]", "expects (B, 4, T, h, w)", () -> vae.decodeNormalized(torch.randn(4, 2, 2, 2)));
      assertOneLine("video [1, 3, 8, 16, 16]", "8 frames; AutoencoderKLWan encodes 1 + 4k frames", () -> vae.encode(torch.rand(1, 3, 8, 16, 16)));
      assertOneLine("video [1, 3, 5, 12, 16]", "multiples of 8", () -> vae.encode(torch.rand(1, 3, 5, 12, 16)));
      assertOneLine("video [1, 4, 5, 16, 16]", "in_channels=3", () -> vae.encodeMean(torch.rand(1, 4, 5, 16, 16)));
    }
  }
}
