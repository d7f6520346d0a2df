package dev.lemica.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.model.ComputeTarget;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import dev.lemica.vae.Vaes;
import dev.lemica.vae.VideoAutoencoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DecodeCommandTest {
  @TempDir Path dir;

  private static void assertClose(SafetensorsFile ours, SafetensorsFile golden, String name) {
    double err = Tensors.relativeL2(ours.tensor(name), golden.tensor(name));
    assertTrue(err < 1e-5, name + " relative L2 " + err);
  }

  /** The command failed with exit code 1 and one line on stderr, which this returns. */
  private static String oneLineError(CliRunner r) {
    assertEquals(1, r.exitCode(), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    return r.err();
  }

  /** A pipeline folder whose vae/ is the golden's: --model may name either. */
  private Path pipelineFolder() throws IOException {
    Path vae = Files.createDirectories(dir.resolve("pipeline/vae"));
    for (String f : new String[] {"config.json", "diffusion_pytorch_model.safetensors"}) {
      Files.copy(Golden.dir("wan_vae").resolve(f), vae.resolve(f));
    }
    Files.writeString(dir.resolve("pipeline/model_index.json"), "{\"_class_name\": \"WanPipeline\"}");
    return dir.resolve("pipeline");
  }

  @Test
  void decodesTheGoldenLatentsFromAPipelineFolder() throws IOException {
    Path golden = Golden.dir("wan_vae");
    Path out = dir.resolve("o.safetensors");
    CliRunner r = CliRunner.run("decode", "--model", pipelineFolder().toString(), "--inputs", golden.resolve("io.safetensors").toString(),
        "--out", out.toString(), "--frames");
    assertEquals(0, r.exitCode(), r.err());
    try (SafetensorsFile o = SafetensorsFile.open(out);
        SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"))) {
      assertClose(o, io, "out.sample");
      assertClose(o, io, "out.frames");
    }
  }

  @Test
  void encodesTheGoldenVideo() {
    Path golden = Golden.dir("wan_vae");
    Path out = dir.resolve("e.safetensors");
    CliRunner r = CliRunner.run("decode", "--encode", "--model", golden.toString(), "--inputs", golden.resolve("io.safetensors").toString(),
        "--out", out.toString());
    assertEquals(0, r.exitCode(), r.err());
    try (SafetensorsFile o = SafetensorsFile.open(out);
        SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"))) {
      assertClose(o, io, "out.latent_mean");
      assertClose(o, io, "out.latent_logvar");
      assertTrue(!o.has("out.sample"));
    }
  }

  @Test
  void reportsBadInputsInOneLine() {
    Path golden = Golden.dir("wan_vae");
    Path wrongChannels = dir.resolve("five.safetensors");
    new SafetensorsWriter().put("in.latents", torch.randn(1, 5, 2, 2, 2)).write(wrongChannels);
    CliRunner r = CliRunner.run("decode", "--model", golden.toString(), "--inputs", wrongChannels.toString(), "--out", dir.resolve("o").toString());
    assertTrue(oneLineError(r).startsWith("error: " + wrongChannels + ": in.latents: latents [1, 5, 2, 2, 2]: AutoencoderKLWan expects (B, 4, F, h, w), as its pipelines hold them"), r.err());

    r = CliRunner.run("decode", "--encode", "--model", golden.toString(), "--inputs", wrongChannels.toString(), "--out", dir.resolve("o").toString());
    assertTrue(oneLineError(r).startsWith("error: " + wrongChannels + ": holds no tensor 'in.video'"), r.err());

    r = CliRunner.run("decode", "--model", golden.toString(), "--inputs", wrongChannels.toString(), "--out", dir.resolve("o").toString(), "--no-vae-tiling");
    assertTrue(oneLineError(r).startsWith("error: --no-vae-tiling applies to AutoencoderKLCogVideoX, not AutoencoderKLWan"), r.err());

    r = CliRunner.run("decode", "--model", dir.toString(), "--inputs", wrongChannels.toString(), "--out", dir.resolve("o").toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().startsWith("error: " + dir + ": not a diffusers VAE folder"), r.err());
  }

  @Test
  void decodesCogVideoXLatentsInThePipelinesLayout() {
    Path golden = Golden.dir("cogvideox_vae");
    Path out = dir.resolve("c.safetensors");
    CliRunner r = CliRunner.run("decode", "--model", golden.toString(), "--inputs", golden.resolve("io.safetensors").toString(),
        "--out", out.toString(), "--frames", "--num-frames", "17");
    assertEquals(0, r.exitCode(), r.err());
    try (SafetensorsFile o = SafetensorsFile.open(out);
        SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"))) {
      double err = Tensors.relativeL2(o.tensor("out.sample"), io.tensor("out.video"));
      assertTrue(err < 1e-5, "out.sample vs the golden's out.video: " + err);
      assertClose(o, io, "out.frames");
    }
    r = CliRunner.run("decode", "--encode", "--model", golden.toString(), "--inputs", golden.resolve("io.safetensors").toString(),
        "--out", out.toString());
    assertEquals(0, r.exitCode(), r.err());
    try (SafetensorsFile o = SafetensorsFile.open(out);
        SafetensorsFile io = SafetensorsFile.open(golden.resolve("io.safetensors"))) {
      assertClose(o, io, "out.latent_mean");
      assertClose(o, io, "out.latent_logvar");
    }
  }

  /**
   * CogVideoX latents larger than one of diffusers' default tiles (30 x 45 latent pixels for the
   * config's 480 x 720) decode tiled by default, as CogVideoXPipeline decodes; --no-vae-tiling
   * decodes them whole, which differs (each tile has its own GroupNorm statistics).
   */
  @Test
  void decodesLargeCogVideoXLatentsTiledUnlessTold() {
    Path golden = Golden.dir("cogvideox_vae");
    Path in = dir.resolve("large.safetensors");
    torch.manual_seed(4);
    new SafetensorsWriter().put("in.latents", torch.randn(1, 1, 4, 31, 46)).write(in);
    Path tiled = dir.resolve("tiled.safetensors");
    Path whole = dir.resolve("whole.safetensors");
    assertEquals(0, CliRunner.run("decode", "--model", golden.toString(), "--inputs", in.toString(), "--out", tiled.toString()).exitCode());
    CliRunner r = CliRunner.run("decode", "--model", golden.toString(), "--inputs", in.toString(), "--out", whole.toString(), "--no-vae-tiling");
    assertEquals(0, r.exitCode(), r.err());
    try (SafetensorsFile t = SafetensorsFile.open(tiled);
        SafetensorsFile w = SafetensorsFile.open(whole)) {
      assertEquals(List.of(1L, 3L, 1L, 248L, 368L), Arrays.stream(Tensors.shape(t.tensor("out.sample"))).boxed().toList());
      double seams = Tensors.relativeL2(t.tensor("out.sample"), w.tensor("out.sample"));
      assertTrue(seams > 1e-4 && seams < 0.5, "tiled vs whole " + seams);
    }
  }

  @Test
  void refusesCogVideoXLatentsInTheWrongLayoutOrFrameCount() {
    Path golden = Golden.dir("cogvideox_vae");
    Path channelsFirst = dir.resolve("cf.safetensors");
    new SafetensorsWriter().put("in.latents", torch.randn(1, 4, 5, 2, 2)).write(channelsFirst);
    CliRunner r = CliRunner.run("decode", "--model", golden.toString(), "--inputs", channelsFirst.toString(), "--out", dir.resolve("o").toString());
    assertTrue(oneLineError(r).startsWith("error: " + channelsFirst + ": in.latents: latents [1, 4, 5, 2, 2]: AutoencoderKLCogVideoX expects (B, F, 4, h, w), as its pipelines hold them"), r.err());

    r = CliRunner.run("decode", "--model", golden.toString(), "--inputs", golden.resolve("io.safetensors").toString(), "--out", dir.resolve("o").toString(),
        "--num-frames", "16");
    assertTrue(oneLineError(r).contains("in.latents: 16 frames: AutoencoderKLCogVideoX decodes 5 latent frames to 17 frames"), r.err());
  }

  /** Open-Sora's VAE folder: --num-frames picks the frame count the latents leave open; without it, one line says so. */
  @Test
  void decodesOpenSoraLatentsToTheFramesAskedFor() {
    Path golden = Golden.dir("opensora_vae");
    Path io = golden.resolve("io.safetensors");
    Path out = dir.resolve("os.safetensors");
    CliRunner r = CliRunner.run("decode", "--model", golden.toString(), "--inputs", io.toString(), "--out", out.toString(), "--num-frames", "22");
    assertEquals(0, r.exitCode(), r.err());
    try (SafetensorsFile o = SafetensorsFile.open(out);
        SafetensorsFile g = SafetensorsFile.open(io)) {
      double err = Tensors.relativeL2(o.tensor("out.sample"), g.tensor("out.video"));
      assertTrue(err < 1e-5, "out.sample vs the golden's out.video: " + err);
    }

    r = CliRunner.run("decode", "--model", golden.toString(), "--inputs", io.toString(), "--out", out.toString());
    assertTrue(oneLineError(r).startsWith("error: " + io + ": in.latents: VideoAutoencoderPipeline decodes 7 latent frames to 22 to 25 frames: give --num-frames"), r.err());

    r = CliRunner.run("decode", "--model", golden.toString(), "--inputs", io.toString(), "--out", out.toString(), "--num-frames", "26");
    assertTrue(oneLineError(r).contains("in.latents: 26 frames: VideoAutoencoderPipeline decodes 7 latent frames to 22 to 25 frames"), r.err());
  }

  @Test
  void encodesOpenSoraVideoToRawLatents() {
    Path golden = Golden.dir("opensora_vae");
    Path io = golden.resolve("io.safetensors");
    Path out = dir.resolve("ose.safetensors");
    CliRunner r = CliRunner.run("decode", "--encode", "--model", golden.toString(), "--inputs", io.toString(), "--out", out.toString());
    assertEquals(0, r.exitCode(), r.err());
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile o = SafetensorsFile.open(out);
        SafetensorsFile g = SafetensorsFile.open(io);
        VideoAutoencoder vae = Vaes.load(golden, ComputeTarget.CPU_FLOAT32)) {
      // The golden's out.latent_mean is the pipeline's normalised output; the command writes raw latents.
      double err = Tensors.relativeL2(vae.normalize(o.tensor("out.latent_mean")), g.tensor("out.latent_mean"));
      assertTrue(err < 1e-5, "normalised out.latent_mean " + err);
    }
  }

  @Test
  void refusesAnOpenSoraConfigItCannotRunInOneLine() throws IOException {
    Path golden = Golden.dir("opensora_vae");
    Path folder = Files.createDirectories(dir.resolve("os"));
    Files.copy(golden.resolve("model.safetensors"), folder.resolve("model.safetensors"));
    Files.writeString(folder.resolve("config.json"), Files.readString(golden.resolve("config.json")).replace("\"VAE_Temporal\"", "\"VAE_Temporal_3D\""));
    CliRunner r = CliRunner.run("decode", "--model", folder.toString(), "--inputs", golden.resolve("io.safetensors").toString(), "--out", dir.resolve("o").toString());
    assertTrue(oneLineError(r).startsWith("error: " + folder.resolve("config.json") + " vae_temporal: \"type\" is 'VAE_Temporal_3D'"), r.err());
  }
}
