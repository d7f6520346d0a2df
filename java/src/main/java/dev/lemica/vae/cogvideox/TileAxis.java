package dev.lemica.vae.cogvideox;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the tiles of {@code tiled_decode} lie along one axis: a tile starts every {@link
 * TileSpan#step()} latent pixels while the start is inside the latent, covers up to {@link
 * TileSpan#latentTile()} of them (fewer at the end), fades in over the first {@code blend} pixels
 * of its decode from its predecessor (the extent clamped to both tiles' decoded sizes, as {@code
 * blend_v} / {@code blend_h} clamp it) and keeps its first {@code keep} decoded pixels, which land
 * at {@code offset} in the video.
 */
final class TileAxis {
  /** One tile: latent start and length; decoded blend extent (0 for the first), kept pixels, output offset. */
  record Tile(long start, long length, long blend, long keep, long offset) {}

  private final List<Tile> tiles;
  private final long blendExtent;

  private TileAxis(List<Tile> tiles, long blendExtent) {
    this.tiles = List.copyOf(tiles);
    this.blendExtent = blendExtent;
  }

  static TileAxis of(long latentLength, TileSpan span) {
    int s = span.spatialFactor();
    List<Tile> tiles = new ArrayList<>();
    long offset = 0;
    long previous = 0;
    for (long start = 0; start < latentLength; start += span.step()) {
      long length = Math.min(span.latentTile(), latentLength - start);
      long blend = tiles.isEmpty() ? 0 : Math.min(Math.min(s * previous, s * length), span.blendExtent());
      long keep = Math.min(s * length, span.keepLimit());
      tiles.add(new Tile(start, length, blend, keep, offset));
      offset += keep;
      previous = length;
    }
    return new TileAxis(tiles, span.blendExtent());
  }

  List<Tile> tiles() {
    return tiles;
  }

  int count() {
    return tiles.size();
  }

  Tile tile(int i) {
    return tiles.get(i);
  }

  /** The decoded pixels the tiles keep in all: the video's size along this axis. */
  long output() {
    Tile last = tiles.get(tiles.size() - 1);
    return last.offset() + last.keep();
  }

  /** How many of a tile's last decoded pixels its successor can blend from: the unclamped extent. */
  long blendExtent() {
    return blendExtent;
  }
}
