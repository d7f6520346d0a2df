package dev.lemica.vae.opensora;

import static dev.lemica.testing.OneLine.assertOneLine;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lemica.model.ComputeTarget;
import dev.lemica.model.ModelConfig;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import dev.lemica.vae.VaeFolders;
import dev.lemica.vae.Vaes;
import dev.lemica.vae.VideoAutoencoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Open-Sora's config.json as its code reads it, the release preset, folders, and every refused value in one line. */
class OpenSoraVaeConfigTest {
  static final String WEIGHTS = "model.safetensors";

  @TempDir Path dir;

  /** The golden config with (dotted key, JSON value) pairs set; a null value removes the key. */
  private static String goldenConfigWith(String... keysAndValues) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = (ObjectNode) json.readTree(Golden.dir("opensora_vae").resolve("config.json").toFile());
    for (int i = 0; i < keysAndValues.length; i += 2) {
      String[] path = keysAndValues[i].split("\\.");
      ObjectNode node = path.length == 1 ? root : (ObjectNode) root.get(path[0]);
      String key = path[path.length - 1];
      if (keysAndValues[i + 1] == null) {
        node.remove(key);
      } else {
        node.set(key, json.readTree(keysAndValues[i + 1]));
      }
    }
    return json.writeValueAsString(root);
  }

  /** A copy of the golden folder (weights, vae/config.json) with this config.json. */
  private Path folderWith(String config) throws IOException {
    Path golden = Golden.dir("opensora_vae");
    Path copy = Files.createDirectories(Files.createTempDirectory(dir, "opensora").resolve("vae"));
    Files.copy(golden.resolve(WEIGHTS), copy.getParent().resolve(WEIGHTS));
    Files.copy(golden.resolve("vae/config.json"), copy.resolve("config.json"));
    Files.writeString(copy.getParent().resolve("config.json"), config);
    return copy.getParent();
  }

  @Test
  void theReleasePresetIsOpenSoraVaeV12WithTheSdxlVae() {
    ModelConfig preset = Vaes.preset("opensora-1.2-vae");
    OpenSoraVaeConfig c = OpenSoraVaeConfig.from(preset);
    assertEquals(17, c.microFrameSize());
    assertEquals(5, c.microLatentFrames());
    assertEquals(4, c.microBatchSize());
    assertArrayEquals(new float[] {3.85f, 2.32f, 2.33f, 3.06f}, c.scale());
    assertArrayEquals(new float[] {-0.1f, 0.34f, 0.27f, 0.98f}, c.shift());
    TemporalVaeConfig t = c.temporal();
    assertEquals(128, t.filters());
    assertEquals(4, t.numResBlocks());
    assertArrayEquals(new int[] {1, 2, 2, 4}, t.channelMultipliers());
    assertArrayEquals(new boolean[] {false, true, true}, t.temporalDownsample());
    assertEquals(4, t.timeDownsampleFactor());
    ModelConfig spatial = OpenSoraVae.spatialConfig(c);
    assertEquals("AutoencoderKL", spatial.className());
    assertEquals(512, spatial.json().get("block_out_channels").get(3).asInt());
  }

  /** The folder layouts: the VAE folder itself, and a pipeline folder holding it as vae/ (its spatial config then in vae/vae/). */
  @Test
  void loadsTheVaeFolderAndAPipelineFolder() throws IOException {
    Path vae = folderWith(Files.readString(Golden.dir("opensora_vae").resolve("config.json")));
    try (VideoAutoencoder loaded = Vaes.load(vae, ComputeTarget.CPU_FLOAT32)) {
      assertEquals("VideoAutoencoderPipeline", loaded.className());
      assertEquals(4, loaded.latentChannels());
      assertEquals(8, loaded.spatialFactor());
    }
    Path pipeline = Files.createDirectories(dir.resolve("pipeline"));
    Files.move(vae, pipeline.resolve("vae"));
    try (VideoAutoencoder loaded = Vaes.load(pipeline, ComputeTarget.CPU_FLOAT32)) {
      assertEquals(4, loaded.temporalFactor());
    }
  }

  /** Without micro_frame_size the temporal VAE takes the whole video: T latent frames decode to 4T − 3 .. 4T frames. */
  @Test
  void withoutMicroFramesTheWholeVideoIsOneChunk() throws IOException {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        VideoAutoencoder vae = Vaes.load(folderWith(goldenConfigWith("micro_frame_size", "null")), ComputeTarget.CPU_FLOAT32)) {
      assertEquals(25, vae.fewestVideoFrames(7));
      assertEquals(28, vae.videoFrames(7));
      assertArrayEquals(new long[] {1, 3, 26, 8, 8}, Tensors.shape(vae.decode(torch.randn(1, 4, 7, 1, 1), 26)));
    }
  }

  /** Open-Sora's loading puts the checkpoint's scale and shift buffers over the config's values. */
  @Test
  void scaleAndShiftComeFromTheCheckpoint() throws IOException {
    Path vae = folderWith(goldenConfigWith("scale", "[1, 1, 1, 1]", "shift", "[0, 0, 0, 0]"));
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        VideoAutoencoder loaded = Vaes.load(vae, ComputeTarget.CPU_FLOAT32);
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("opensora_vae").resolve("io.safetensors"))) {
      assertEquals(0.0, Tensors.relativeL2(loaded.denormalize(io.tensor("in.latents")), io.tensor("act.decode.z_denorm")));
    }
  }

  /** With made-up weights scale and shift are the config's (the release's values here), not random numbers. */
  @Test
  void randomWeightsKeepTheConfigsScaleAndShift() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        VideoAutoencoder vae = Vaes.withRandomWeights(ModelConfig.read(Golden.dir("opensora_vae").resolve("config.json")), ComputeTarget.CPU_FLOAT32, 4)) {
      Tensor z = torch.ones(1, 4, 1, 1, 1);
      assertArrayEquals(new float[] {3.75f, 2.66f, 2.6f, 4.04f}, Tensors.toFloats(vae.denormalize(z)), 1e-6f);
      assertArrayEquals(new long[] {1, 3, 5, 8, 8}, Tensors.shape(vae.decode(torch.randn(1, 4, 2, 1, 1), 5)));
    }
  }

  @Test
  void badConfigValues() {
    String[][] cases = {
      {"cal_loss", "true", "\"cal_loss\" is true"},
      {"micro_frame_size", "0", "\"micro_frame_size\" must be positive"},
      {"scale", "[1, 2]", "\"scale\" must be a number or an array of embed_dim=4 numbers"},
      {"scale", "[1, 0, 1, 1]", "\"scale\" must hold finite non-zero numbers"},
      {"vae_temporal", "[]", "\"vae_temporal\" must be an object"},
      {"vae_temporal.type", "\"VAE_Temporal_XL\"", "\"type\" is 'VAE_Temporal_XL': only VAE_Temporal_SD and VAE_Temporal"},
      {"vae_temporal.temporal_downsample", "[true, true]", "\"temporal_downsample\" has 2 entries"},
      {"vae_temporal.num_groups", "3", "\"num_groups\" is 3, which does not divide"},
      {"vae_temporal.activation_fn", "\"relu\"", "\"activation_fn\" is 'relu'"},
      {"vae_temporal.from_pretrained", "\"ckpt.pt\"", "\"from_pretrained\" is set"},
      {"vae_2d.type", "\"VideoAutoencoderKLTemporalDecoder\"", "\"type\" is 'VideoAutoencoderKLTemporalDecoder'"},
      {"vae_2d.from_pretrained", "\"someone/sdxl-vae\"", "vae_2d.from_pretrained 'someone/sdxl-vae' (subfolder 'vae') is no folder"},
      {"vae_2d.micro_batch_size", "-1", "\"micro_batch_size\" must be positive"},
    };
    VaeFolders.assertRefused(dir, (key, value) -> goldenConfigWith(key, value), cases);
  }

  @Test
  void checkpointsThatDoNotFitTheConfig() throws IOException {
    Path vae = folderWith(goldenConfigWith("vae_temporal.filters", "8"));
    assertOneLine(vae.toString(), "tensor 'temporal_vae.encoder.conv_in.conv.weight' has shape [4, 4, 3, 3, 3] but config.json implies [8, 4, 3, 3, 3]",
        () -> Vaes.load(vae, ComputeTarget.CPU_FLOAT32));

    Path copy = folderWith(Files.readString(Golden.dir("opensora_vae").resolve("config.json")));
    SafetensorsWriter writer = new SafetensorsWriter();
    try (SafetensorsFile golden = SafetensorsFile.open(Golden.dir("opensora_vae").resolve(WEIGHTS))) {
      for (String name : golden.names()) {
        if (!name.equals("spatial_vae.module.decoder.conv_out.bias")) {
          writer.put(name, golden.tensor(name));
        }
      }
      Files.delete(copy.resolve(WEIGHTS));
      writer.write(copy.resolve(WEIGHTS));
    }
    assertOneLine(copy.toString(), "checkpoint lacks tensor 'spatial_vae.module.decoder.conv_out.bias'", () -> Vaes.load(copy, ComputeTarget.CPU_FLOAT32));
  }

  @Test
  void inputsOfTheWrongShape() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        OpenSoraVae vae = (OpenSoraVae) Vaes.load(Golden.dir("opensora_vae"), ComputeTarget.CPU_FLOAT32)) {
      assertOneLine("latents [1, 3, 2, 2, 2]", "VideoAutoencoderPipeline expects (B, 4, T, h, w)", () -> vae.decode(torch.randn(1, 3, 2, 2, 2), 5));
      assertOneLine("video [1, 3, 5, 12, 16]", "multiples of 8", () -> vae.encode(torch.rand(1, 3, 5, 12, 16)));
      assertOneLine("video [1, 4, 5, 16, 16]", "expects (B, 3, F, H, W)", () -> vae.encodeMean(torch.rand(1, 4, 5, 16, 16)));
      Tensor v = torch.rand(1, 3, 5, 16, 16);
      assertOneLine("spatial noise [4, 4, 2, 2]", "expected ((B·F)=5, 4, 2, 2)", () -> vae.encodeSampled(v, torch.randn(4, 4, 2, 2), torch.randn(1, 4, 2, 2, 2)));
      assertOneLine("temporal noise [1, 4, 1, 2, 2]", "expected [1, 4, 2, 2, 2]", () -> vae.encodeSampled(v, torch.randn(5, 4, 2, 2), torch.randn(1, 4, 1, 2, 2)));
    }
  }
}
