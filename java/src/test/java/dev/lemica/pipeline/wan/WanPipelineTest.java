package dev.lemica.pipeline.wan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lemica.cache.StaticSchedulePolicy;
import dev.lemica.model.ComputeTarget;
import dev.lemica.pipeline.DiffusionPipeline;
import dev.lemica.pipeline.Generation;
import dev.lemica.pipeline.GenerationRequest;
import dev.lemica.pipeline.GenerationSettings;
import dev.lemica.pipeline.PipelineListener;
import dev.lemica.pipeline.Pipelines;
import dev.lemica.safetensors.SafetensorsFile;
import dev.lemica.sampling.GuidedDenoiser;
import dev.lemica.schedule.Schedule;
import dev.lemica.testing.Golden;
import dev.lemica.torch.Tensors;
import dev.lemica.video.Pixels;
import dev.lemica.video.VideoOutput;
import dev.lemica.video.VideoReader;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Wan pipeline through the Java API on the golden tiny folder. */
class WanPipelineTest {
  private static final Path FOLDER = Golden.dir("wan_pipeline_tiny");
  private static final List<String> PROMPTS = List.of("a small red fox runs across the snowy meadow at dawn", "two cats & a dog play");

  @TempDir Path dir;

  @Test
  void defaultsComeFromWanPipelineAndTheFolder() {
    try (PointerScope scope = new PointerScope();
        DiffusionPipeline p = Pipelines.open(FOLDER, ComputeTarget.CPU_FLOAT32)) {
      assertInstanceOf(WanPipeline.class, p);
      GenerationSettings s = p.resolve(GenerationRequest.of(List.of("x")));
      assertEquals(480, s.height());
      assertEquals(832, s.width());
      assertEquals(81, s.frames());
      assertEquals(50, s.steps());
      assertEquals(5.0, s.guidance());
      assertEquals(512, s.maxSequenceLength());
      assertEquals(3.0, s.shift(), "flow_shift of scheduler_config.json");
      assertEquals(List.of(""), s.negativePrompts());
      assertEquals(16, p.fps());
      assertTrue(p.samplerName(s).startsWith("UniPCMultistepScheduler"), p.samplerName(s));
      assertEquals(List.of(1L, 4L, 21L, 60L, 104L), java.util.Arrays.stream(p.noiseShape(s)).boxed().toList());
      GenerationSettings rounded = p.resolve(GenerationRequest.of(List.of("x")).withSize(32, 48, 10));
      assertEquals(9, rounded.frames(), "rounded down to 1 + 4k as WanPipeline does");
    }
  }

  @Test
  void aBatchOfTwoPromptsEqualsTwoSingleRunsUnderASchedule() {
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        SafetensorsFile io = SafetensorsFile.open(FOLDER.resolve("io.safetensors"));
        DiffusionPipeline p = Pipelines.open(FOLDER, ComputeTarget.CPU_FLOAT32)) {
      GenerationRequest request = GenerationRequest.of(PROMPTS).withSize(32, 48, 9).withSteps(8);
      GenerationSettings both = p.resolve(request);
      Tensor noise = io.tensor("in.noise");
      StaticSchedulePolicy policy = new StaticSchedulePolicy(Schedule.of(8, 0, 1, 3, 5, 7));
      Generation batch = p.generate(both, noise, policy, GuidedDenoiser.Branches.SEPARATE, PipelineListener.NONE);
      for (int i = 0; i < 2; i++) {
        Generation single =
            p.generate(both.rows(i, i + 1), noise.narrow(0, i, 1), policy, GuidedDenoiser.Branches.SEPARATE, PipelineListener.NONE);
        double d = Tensors.relativeL2(single.videos(), batch.videos().narrow(0, i, 1));
        assertTrue(d < 1e-5, "prompt " + i + " alone differs from its row of the batch by " + d);
      }
    }
  }

  @Test
  void theMp4HoldsTheVideoFrames() {
    torch.manual_seed(5);
    // Smooth content, as decoded videos are: a coarse random field upsampled.
    Tensor video = torch.upsample_trilinear3d(torch.rand(1, 3, 3, 4, 6).mul(new org.bytedeco.pytorch.Scalar(2)).sub(new org.bytedeco.pytorch.Scalar(1)),
        new long[] {9, 32, 48}, false, new org.bytedeco.pytorch.DoubleOptional(), new org.bytedeco.pytorch.DoubleOptional(), new org.bytedeco.pytorch.DoubleOptional());
    Path mp4 = dir.resolve("v.mp4");
    VideoOutput.forPath(mp4).write(video, 16, 1);
    VideoReader.Video back = VideoReader.read(mp4);
    Tensor expected = Pixels.toRgb8(video, Pixels.Rounding.TRUNCATE).select(0, 0).to(ScalarType.Float);
    Tensor got = back.frames().to(ScalarType.Float);
    double mse = got.sub(expected).pow(new org.bytedeco.pytorch.Scalar(2)).mean().item_double();
    double psnr = 10 * Math.log10(255.0 * 255.0 / mse);
    assertTrue(psnr > 33, "H.264 round trip at " + psnr + " dB");
  }
}
