package dev.lemica.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lemica.model.ComputeTarget;
import dev.lemica.testing.Golden;
import dev.lemica.vae.Vaes;
import dev.lemica.vae.cogvideox.AutoencoderKLCogVideoX;
import dev.lemica.vae.wan.AutoencoderKLWan;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * A long decode keeps only the feature cache between chunks: at the same point of every chunk
 * after the first few, exactly as many native objects are alive, however many chunks came before.
 * Running the chunks without their scopes (every temporary kept until the decode returns) adds
 * hundreds per chunk. Counting objects is exact where RSS wobbles by megabytes.
 */
class VaeMemoryTest {
  @Test
  void decodingMoreFramesKeepsNoMoreObjectsAlive() {
    int chunks = 9;
    long[] alive = new long[chunks];
    long[] rss = new long[chunks];
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        AutoencoderKLWan vae = (AutoencoderKLWan) Vaes.load(Golden.dir("wan_vae"), ComputeTarget.CPU_FLOAT32)) {
      torch.manual_seed(11);
      vae.decode(torch.randn(1, 4, chunks, 2, 2), (name, value) -> {
        if (name.startsWith("decoder.conv_out.chunk")) {
          int chunk = Integer.parseInt(name.substring("decoder.conv_out.chunk".length()));
          alive[chunk] = Pointer.totalCount();
          rss[chunk] = Pointer.physicalBytes();
        }
      });
    }
    System.out.printf("native objects alive at chunk 3: %d, at chunk %d: %d (RSS %d MB, %d MB)%n",
        alive[3], chunks - 1, alive[chunks - 1], rss[3] >> 20, rss[chunks - 1] >> 20);
    assertEquals(alive[3], alive[chunks - 1], "native objects alive at the end of chunk 3 and of the last chunk");
  }

  /** The same for CogVideoX's frame groups: only the conv caches (two frames per causal convolution) stay between groups. */
  @Test
  void cogVideoXGroupsKeepNoMoreObjectsAlive() {
    int groups = 8;
    long[] alive = new long[groups];
    try (PointerScope scope = new PointerScope();
        InferenceMode inference = new InferenceMode();
        AutoencoderKLCogVideoX vae = (AutoencoderKLCogVideoX) Vaes.load(Golden.dir("cogvideox_vae"), ComputeTarget.CPU_FLOAT32)) {
      torch.manual_seed(12);
      vae.decode(torch.randn(1, 4, 2 * groups, 1, 1), (name, value) -> {
        if (name.startsWith("decoder.conv_out.group")) {
          alive[Integer.parseInt(name.substring("decoder.conv_out.group".length()))] = Pointer.totalCount();
        }
      });
    }
    System.out.printf("CogVideoX: native objects alive at group 2: %d, at group %d: %d%n", alive[2], groups - 1, alive[groups - 1]);
    assertEquals(alive[2], alive[groups - 1], "native objects alive at the end of group 2 and of the last group");
  }
}
