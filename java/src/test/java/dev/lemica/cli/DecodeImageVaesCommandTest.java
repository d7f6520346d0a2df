package dev.lemica.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.safetensors.SafetensorsWriter;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The decode command on the FLUX.1, Qwen-Image and SD / Latte VAE goldens, through LemicaCli as a user runs it. */
class DecodeImageVaesCommandTest {
  @TempDir Path dir;

  private static void assertClose(SafetensorsFile ours, String name, SafetensorsFile golden, String goldenName) {
    assertEquals(Tensors.shapeString(golden.tensor(goldenName)), Tensors.shapeString(ours.tensor(name)), name);
    double err = Tensors.relativeL2(ours.tensor(name), golden.tensor(goldenName));
    assertTrue(err < 1e-5, name + " relative L2 " + err);
  }

  private Path run(String golden, String... extra) {
    Path out = dir.resolve(golden + "-" + extra.length + ".safetensors");
    String[] args = new String[6 + extra.length];
    Path folder = Golden.dir(golden);
    String[] base = {"decode", "--model", folder.toString(), "--inputs", folder.resolve("io.safetensors").toString()};
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    args[args.length - 1] = "--out=" + out;
    CliRunner r = CliRunner.run(args);
    assertEquals(0, r.exitCode(), r.err());
    return out;
  }

  /** The goldens hold in.packed_latents with in.height / in.width: the transformer's tokens are decoded to images. */
  @Test
  void fluxAndQwenImageDecodePackedTokensToImages() {
    for (String golden : new String[] {"flux_vae", "qwenimage_vae", "kl_vae-noattn"}) {
      try (PointerScope scope = new PointerScope();
          SafetensorsFile o = SafetensorsFile.open(run(golden, "--frames"));
          SafetensorsFile io = SafetensorsFile.open(Golden.dir(golden).resolve("io.safetensors"))) {
        assertClose(o, "out.sample", io, "out.sample");
        assertClose(o, "out.image", io, "out.image");
        assertFalse(o.has("out.frames"));
      }
    }
  }

  @Test
  void latteVideoLatentsDecodeInTheGoldensChunks() {
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("sd_vae").resolve("io.safetensors"));
        SafetensorsFile chunked = SafetensorsFile.open(run("sd_vae", "--frames"));
        SafetensorsFile single = SafetensorsFile.open(run("sd_vae", "--decode-chunk-size", "1", "--frames"))) {
      assertClose(chunked, "out.sample", io, "out.video");
      assertClose(chunked, "out.frames", io, "out.frames");
      assertClose(single, "out.sample", io, "out.video");
    }
  }

  @Test
  void encodesImagesAndOneFrameVideos() {
    for (String golden : new String[] {"flux_vae", "qwenimage_vae", "sd_vae"}) {
      try (PointerScope scope = new PointerScope();
          SafetensorsFile o = SafetensorsFile.open(run(golden, "--encode"));
          SafetensorsFile io = SafetensorsFile.open(Golden.dir(golden).resolve("io.safetensors"))) {
        assertClose(o, "out.latent_mean", io, "out.latent_mean");
        assertClose(o, "out.latent_logvar", io, "out.latent_logvar");
      }
    }
  }

  /** Without packed tokens the unpacked latents are read: (B, C, h, w) decode to images. */
  @Test
  void unpackedImageLatents() {
    Path inputs = dir.resolve("latents.safetensors");
    try (PointerScope scope = new PointerScope();
        SafetensorsFile io = SafetensorsFile.open(Golden.dir("flux_vae").resolve("io.safetensors"))) {
      new SafetensorsWriter().put("in.latents", io.tensor("in.latents")).write(inputs);
      Path out = dir.resolve("o.safetensors");
      CliRunner r = CliRunner.run("decode", "--model", Golden.dir("flux_vae").toString(), "--inputs", inputs.toString(), "--out", out.toString());
      assertEquals(0, r.exitCode(), r.err());
      try (SafetensorsFile o = SafetensorsFile.open(out)) {
        assertClose(o, "out.sample", io, "out.sample");
      }
    }
  }

  private void assertFailsWith(String expectedStart, String model, Path inputs, String... extra) {
    String[] args = new String[7 + extra.length];
    String[] base = {"decode", "--model", Golden.dir(model).toString(), "--inputs", inputs.toString(), "--out", dir.resolve("x.safetensors").toString()};
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    CliRunner r = CliRunner.run(java.util.Arrays.copyOf(args, base.length + extra.length));
    assertEquals(1, r.exitCode(), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("error: " + expectedStart), r.err());
  }

  @Test
  void badInputsInOneLine() {
    try (PointerScope scope = new PointerScope()) {
      Path noSize = dir.resolve("nosize.safetensors");
      new SafetensorsWriter().put("in.packed_latents", torch.randn(1, 9, 64)).write(noSize);
      assertFailsWith(noSize + ": in.packed_latents: unpacking needs the image size: the file holds no 'in.height'", "flux_vae", noSize);

      Path tokens = dir.resolve("tokens.safetensors");
      new SafetensorsWriter()
          .put("in.packed_latents", torch.randn(1, 10, 64))
          .put("in.height", Tensors.fromLongs(new long[] {48}, 1))
          .put("in.width", Tensors.fromLongs(new long[] {48}, 1))
          .write(tokens);
      assertFailsWith(tokens + ": in.packed_latents: packed latents [1, 10, 64]: a 48x48 image at VAE scale factor 8 packs to (B, 9, 4C)", "flux_vae", tokens);

      Path channels = dir.resolve("channels.safetensors");
      new SafetensorsWriter().put("in.latents", torch.randn(1, 4, 6, 6)).write(channels);
      assertFailsWith(channels + ": in.latents: latents [1, 4, 1, 6, 6]: AutoencoderKL expects (B, 16, F, h, w)", "flux_vae", channels);

      Path rank = dir.resolve("rank.safetensors");
      new SafetensorsWriter().put("in.latents", torch.randn(4, 6, 6)).write(rank);
      assertFailsWith(rank + ": in.latents: latents [4, 6, 6]: AutoencoderKL expects (B, 4, F, h, w)", "sd_vae", rank);

      Path chunk = dir.resolve("chunk.safetensors");
      new SafetensorsWriter().put("in.latents", torch.randn(1, 4, 2, 2, 2)).put("in.decode_chunk_size", torch.ones(1)).write(chunk);
      assertFailsWith(chunk + ": in.latents: in.decode_chunk_size [1] must be one positive integer", "sd_vae", chunk);

      Path video = dir.resolve("video.safetensors");
      new SafetensorsWriter().put("in.latents", torch.randn(1, 4, 2, 2, 2)).write(video);
      assertFailsWith("--decode-chunk-size applies to AutoencoderKL; AutoencoderKLWan decodes one latent frame at a time", "wan_vae", video, "--decode-chunk-size", "2");
      assertFailsWith("--decode-chunk-size must be at least 1, got 0", "sd_vae", video, "--decode-chunk-size", "0");
      assertFailsWith(video + ": holds no tensor 'in.video' or 'in.image'", "sd_vae", video, "--encode");
    }
  }
}
