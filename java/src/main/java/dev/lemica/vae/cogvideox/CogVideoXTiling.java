package dev.lemica.vae.cogvideox;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * How {@link AutoencoderKLCogVideoX} tiles a decode, diffusers' {@code enable_tiling} settings: the
 * tile size in video pixels and the overlap factors. {@link #defaults} are diffusers': tiles of half
 * the config's {@code sample_height} × {@code sample_width} (240 × 360 for every released CogVideoX
 * VAE, CogVideoX 1.5's included), overlap factors 1/6 (height) and 1/5 (width), which diffusers chose
 * for 720 × 480 videos.
 *
 * <p>A decode is tiled only when the latent is taller or wider than a tile ({@code _decode}'s
 * condition); then each tile is decoded alone (its own frame groups and causal caches), faded into
 * the tile above and the tile to its left over the overlap, and cropped. Tiles do not change the
 * frame grouping, so memory follows the tile, not the video. The result is not the untiled decode:
 * each tile has GroupNorm statistics and convolution borders of its own, which the blends soften at
 * the seams (diffusers: "you may still see tile-sized changes in the output").
 *
 * <p>Settings are checked against the VAE's spatial factor by {@link #check}: tiles must be whole
 * latent pixels and the overlap a whole number of latent pixels, or diffusers' tiles would not add
 * up to the video.
 */
public final class CogVideoXTiling {
  /** diffusers' {@code tile_overlap_factor_height}. */
  public static final double DEFAULT_OVERLAP_HEIGHT = 1.0 / 6;
  /** diffusers' {@code tile_overlap_factor_width}. */
  public static final double DEFAULT_OVERLAP_WIDTH = 1.0 / 5;

  private final int tileHeight;
  private final int tileWidth;
  private final double overlapHeight;
  private final double overlapWidth;

  private CogVideoXTiling(int tileHeight, int tileWidth, double overlapHeight, double overlapWidth) {
    this.tileHeight = tileHeight;
    this.tileWidth = tileWidth;
    this.overlapHeight = overlapHeight;
    this.overlapWidth = overlapWidth;
  }

  /** diffusers' defaults for a VAE config: {@code sample_height // 2} × {@code sample_width // 2}, overlaps 1/6 and 1/5. */
  public static CogVideoXTiling defaults(CogVideoXVaeConfig config) {
    return new CogVideoXTiling(config.sampleHeight() / 2, config.sampleWidth() / 2, DEFAULT_OVERLAP_HEIGHT, DEFAULT_OVERLAP_WIDTH);
  }

  /**
   * {@link #defaults}, checked against the config's spatial factor: a config whose sample size makes
   * tiles that do not add up to the video is refused in one line naming its file.
   */
  public static CogVideoXTiling checkedDefaults(CogVideoXVaeConfig config) {
    CogVideoXTiling tiling = defaults(config);
    try {
      tiling.rows(config.spatialFactor()).check();
      tiling.columns(config.spatialFactor()).check();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          config.file() + ": sample_height " + config.sampleHeight() + " x sample_width " + config.sampleWidth()
              + " make diffusers' default tiles (half of them), but " + e.getMessage(), e);
    }
    return tiling;
  }

  /** Tiles of {@code tileHeight} × {@code tileWidth} video pixels ({@code tile_sample_min_height/width}), overlaps as given. */
  public static CogVideoXTiling of(int tileHeight, int tileWidth, double overlapHeight, double overlapWidth) {
    return new CogVideoXTiling(tileHeight, tileWidth, overlapHeight, overlapWidth);
  }

  public CogVideoXTiling withTileSize(int height, int width) {
    return new CogVideoXTiling(height, width, overlapHeight, overlapWidth);
  }

  public CogVideoXTiling withOverlapFactors(double height, double width) {
    return new CogVideoXTiling(tileHeight, tileWidth, height, width);
  }

  public int tileHeight() {
    return tileHeight;
  }

  public int tileWidth() {
    return tileWidth;
  }

  public double overlapHeight() {
    return overlapHeight;
  }

  public double overlapWidth() {
    return overlapWidth;
  }

  /** Refuses, in one line, settings whose tiles would not make the video for a VAE of {@code spatialFactor}. */
  public void check(int spatialFactor) {
    try {
      rows(spatialFactor).check();
      columns(spatialFactor).check();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(AutoencoderKLCogVideoX.CLASS_NAME + " tiling: " + e.getMessage(), e);
    }
  }

  /** diffusers' condition for tiling: a latent taller or wider than one tile. */
  public boolean tiles(long latentHeight, long latentWidth, int spatialFactor) {
    return latentHeight > rows(spatialFactor).latentTile() || latentWidth > columns(spatialFactor).latentTile();
  }

  TileSpan rows(int spatialFactor) {
    return new TileSpan("height", tileHeight, overlapHeight, spatialFactor);
  }

  TileSpan columns(int spatialFactor) {
    return new TileSpan("width", tileWidth, overlapWidth, spatialFactor);
  }

  @Override
  public String toString() {
    return "tiles " + tileHeight + "x" + tileWidth + " (height x width), overlap factors " + brief(overlapHeight) + " / " + brief(overlapWidth);
  }

  /** 1/6 as 0.1667, 1/5 as 0.2. */
  private static String brief(double v) {
    if (!Double.isFinite(v)) {
      return String.valueOf(v);
    }
    return new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString();
  }
}
