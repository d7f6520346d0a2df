package dev.lemica.vae.cogvideox;

/**
 * The numbers {@code AutoencoderKLCogVideoX.tiled_decode} derives along one axis (height or width)
 * from a tile size in video pixels and an overlap factor, computed in doubles and truncated as its
 * {@code int(...)} calls do: the tile in latent pixels, the latent step between tile starts, the
 * blend extent and the rows (or columns) each tile keeps, both in video pixels.
 *
 * @param axis "height" or "width", for messages
 */
record TileSpan(String axis, int tileSample, double overlapFactor, int spatialFactor) {
  /** {@code tile_latent_min_*}: {@code int(tile_sample_min_* / 2^(blocks − 1))}. */
  int latentTile() {
    return tileSample / spatialFactor;
  }

  /** {@code overlap_*}: the latent distance between the starts of neighbouring tiles. */
  int step() {
    return (int) (latentTile() * (1 - overlapFactor));
  }

  /** {@code blend_extent_*}: the video pixels over which a tile fades into its neighbour. */
  int blendExtent() {
    return (int) (tileSample * overlapFactor);
  }

  /** {@code row_limit_*}: the video pixels each tile keeps (its first ones; the last tile may have fewer). */
  int keepLimit() {
    return tileSample - blendExtent();
  }

  /**
   * Refuses settings under which the tiles do not make the video: diffusers then returns a video of
   * another size (tiles keep more or fewer rows than lie between their starts) or blends rows that
   * are not the same rows of the picture. Sound settings have a tile that is a whole number of
   * latent pixels, a step of at least one, and a kept part of exactly one step.
   */
  void check() {
    if (tileSample < spatialFactor || tileSample % spatialFactor != 0) {
      throw new IllegalArgumentException(
          "tile " + axis + " " + tileSample + " must be a positive multiple of the VAE's spatial factor " + spatialFactor);
    }
    if (!(overlapFactor > 0 && overlapFactor < 1)) {
      throw new IllegalArgumentException("overlap factor of the " + axis + " must lie strictly between 0 and 1, got " + overlapFactor);
    }
    if (step() < 1 || keepLimit() != spatialFactor * step()) {
      throw new IllegalArgumentException(
          "tile " + axis + " " + tileSample + " with overlap factor " + overlapFactor + " does not tile the video: tiles start "
              + step() + " latent pixels (" + (long) spatialFactor * step() + " pixels) apart but each keeps " + keepLimit()
              + " pixels (the overlap, " + latentTile() + " x " + overlapFactor + " latent pixels, must be a whole number)");
    }
  }

  /** The tiles along a latent axis of {@code latentLength} pixels. */
  TileAxis plan(long latentLength) {
    return TileAxis.of(latentLength, this);
  }
}
