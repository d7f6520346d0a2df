package dev.lemica.vae.wan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.model.ComputeTarget;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import dev.lemica.torch.TorchRuntime;
import dev.lemica.vae.DiagonalGaussian;
import dev.lemica.vae.Vaes;
import dev.lemica.vae.VideoAutoencoder;
import dev.lemica.vae.VideoPostprocess;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * fp32 CPU: diffusers' AutoencoderKLWan (golden/wan_vae) decode and encode outputs, and every
 * per-chunk activation the golden holds, within 1e-5 relative L2.
 */
class AutoencoderKLWanGoldenTest {
  static final double TOLERANCE = 1e-5;

  static SafetensorsFile io;
  static AutoencoderKLWan vae;

  @BeforeAll
  static void load() {
    TorchRuntime.configure(null);
    Path dir = Golden.dir("wan_vae");
    io = SafetensorsFile.open(dir.resolve("io.safetensors"));
    VideoAutoencoder loaded = Vaes.load(dir, ComputeTarget.CPU_FLOAT32);
    vae = (AutoencoderKLWan) loaded;
  }

  @AfterAll
  static void close() {
    vae.close();
    io.close();
  }

  /** Compares each observed tensor that the golden holds as act.NAME, right away (it dies with its chunk). */
  private static Map<String, Double> comparer(Map<String, Double> errors, String name, Tensor value) {
    String key = "act." + name;
    if (io.has(key)) {
      errors.put(key, Tensors.relativeL2(value, io.tensor(key)));
    }
    return errors;
  }

  /** Every golden tensor named {@code prefix*} or {@code single} was compared, and each is close. */
  private static void assertAllClose(Map<String, Double> errors, String prefix, String single) {
    TreeSet<String> expected = new TreeSet<>();
    for (String n : io.names()) {
      if (n.startsWith(prefix) || n.equals(single)) {
        expected.add(n);
      }
    }
    assertEquals(expected, new TreeSet<>(errors.keySet()), "every golden activation is compared");
    errors.forEach((name, err) -> assertTrue(err < TOLERANCE, name + " relative L2 " + err));
    System.out.println(prefix + " largest relative L2: " + errors.values().stream().mapToDouble(d -> d).max().orElse(0));
  }

  @Test
  void decodesTheNormalisedLatentsAsWanPipelineDoes() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Tensor raw = vae.denormalize(io.tensor("in.latents"));
      double inputError = Tensors.relativeL2(raw, io.tensor("act.vae_decode_input"));
      assertTrue(inputError < 1e-7, "denormalised latents relative L2 " + inputError);

      Map<String, Double> errors = new TreeMap<>();
      Tensor sample = vae.decode(raw, (name, value) -> comparer(errors, name, value));
      assertAllClose(errors, "act.decoder.", "act.post_quant_conv");
      assertEquals(22, errors.size(), "post_quant_conv and 7 modules x 3 chunks");

      double err = Tensors.relativeL2(sample, io.tensor("out.sample"));
      assertTrue(err < TOLERANCE, "out.sample relative L2 " + err);
      System.out.println("out.sample relative L2: " + err);
      double frames = Tensors.relativeL2(VideoPostprocess.toFrames(sample), io.tensor("out.frames"));
      assertTrue(frames < TOLERANCE, "out.frames relative L2 " + frames);
      System.out.println("out.frames relative L2: " + frames);

      double viaEntryPoint = Tensors.relativeL2(vae.decodeNormalized(io.tensor("in.latents")), sample);
      assertEquals(0.0, viaEntryPoint, "decodeNormalized is denormalize then decode");
    }
  }

  @Test
  void encodesThePosteriorAsDiffusersDoes() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode()) {
      Map<String, Double> errors = new TreeMap<>();
      DiagonalGaussian posterior = vae.encode(io.tensor("in.video"), (name, value) -> comparer(errors, name, value));
      assertAllClose(errors, "act.encoder.", "act.quant_conv");
      assertEquals(19, errors.size(), "quant_conv and 6 modules x 3 chunks");

      double mean = Tensors.relativeL2(posterior.mean(), io.tensor("out.latent_mean"));
      assertTrue(mean < TOLERANCE, "out.latent_mean relative L2 " + mean);
      System.out.println("out.latent_mean relative L2: " + mean);
      double logvar = Tensors.relativeL2(posterior.logvar(), io.tensor("out.latent_logvar"));
      assertTrue(logvar < TOLERANCE, "out.latent_logvar relative L2 " + logvar);
      System.out.println("out.latent_logvar relative L2: " + logvar);
      assertEquals(0.0, Tensors.relativeL2(vae.encodeMean(io.tensor("in.video")), posterior.mean()));
    }
  }

  /** bf16 compute: float32 outputs that stay within bf16 precision of the fp32 reference. */
  @Test
  void runsInBfloat16() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        VideoAutoencoder bf16 = Vaes.load(Golden.dir("wan_vae"), new ComputeTarget("cpu", ScalarType.BFloat16))) {
      Tensor sample = bf16.decodeNormalized(io.tensor("in.latents"));
      assertEquals(ScalarType.Float.value, sample.scalar_type().value);
      double err = Tensors.relativeL2(sample, io.tensor("out.sample"));
      Tensor mean = bf16.encodeMean(io.tensor("in.video"));
      assertEquals(ScalarType.Float.value, mean.scalar_type().value);
      double meanErr = Tensors.relativeL2(mean, io.tensor("out.latent_mean"));
      System.out.println("bf16: out.sample relative L2 " + err + ", out.latent_mean " + meanErr);
      assertTrue(err < 3e-2 && meanErr < 3e-2, "bf16 out.sample " + err + ", out.latent_mean " + meanErr);
    }
  }
}
