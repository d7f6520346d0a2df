package dev.lemica.pipeline;

import java.nio.file.Path;

/** The size rule every latent-patch video pipeline shares: pixels per patch = the VAE's factor × the patch size. */
public final class VideoSizes {
  private VideoSizes() {}

  /** Refuses (one line) a height or width that is not a positive multiple of the VAE factor times the patch size. */
  public static void checkMultiples(int height, int width, int spatialFactor, int patchH, int patchW, Path folder) {
    int multipleH = spatialFactor * patchH;
    int multipleW = spatialFactor * patchW;
    if (height <= 0 || width <= 0 || height % multipleH != 0 || width % multipleW != 0) {
      String multiples = multipleH == multipleW ? String.valueOf(multipleH) : multipleH + " and " + multipleW;
      throw new IllegalArgumentException(
          "--height " + height + " --width " + width + ": must be positive multiples of " + multiples
              + " (the VAE's factor " + spatialFactor + " times the patch size) for " + folder);
    }
  }
}
