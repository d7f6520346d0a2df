package dev.lemica.vae.cogvideox;

import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * {@code tiled_decode}'s assembly, tile by tile in rows: decode a tile alone, fade the tile above
 * into it ({@code blend_v}), then the tile to its left ({@code blend_h}), keep its first rows and
 * columns in the video. diffusers keeps every decoded tile until the end; the blends only read the
 * last {@code blend extent} rows of the tile above and columns of the tile to the left, after those
 * tiles' own blends, so only those strips are kept here (one row's bottom strips and one right
 * strip) and each tile's kept part goes straight into the preallocated video. The arithmetic is
 * diffusers', element for element, in float32 (the video's dtype; a bfloat16 VAE's tiles are
 * blended in float32 here, in bfloat16 by diffusers).
 */
final class TiledDecode {
  private final TileAxis rows;
  private final TileAxis columns;

  TiledDecode(TileAxis rows, TileAxis columns) {
    this.rows = rows;
    this.columns = columns;
  }

  /**
   * Decodes latents {@code z} (B, C, T, h, w) into {@code out} (B, C', F, rows.output(), columns.output()).
   *
   * @param decodeTile the untiled decode of a latent tile, a new float tensor
   */
  void run(Tensor z, Tensor out, UnaryOperator<Tensor> decodeTile) {
    Tensor[] above = new Tensor[columns.count()];
    Tensor[] below = new Tensor[columns.count()];
    Tensor left = null;
    try {
      for (int i = 0; i < rows.count(); i++) {
        TileAxis.Tile r = rows.tile(i);
        boolean lastRow = i == rows.count() - 1;
        for (int j = 0; j < columns.count(); j++) {
          TileAxis.Tile c = columns.tile(j);
          boolean lastColumn = j == columns.count() - 1;
          try (PointerScope scope = new PointerScope()) {
            Tensor tile = decodeTile.apply(z.narrow(3, r.start(), r.length()).narrow(4, c.start(), c.length()));
            if (i > 0) {
              TileBlend.blend(above[j], tile, r.blend(), 3);
            }
            if (j > 0) {
              TileBlend.blend(left, tile, c.blend(), 4);
            }
            out.narrow(3, r.offset(), r.keep()).narrow(4, c.offset(), c.keep()).copy_(tile.narrow(3, 0, r.keep()).narrow(4, 0, c.keep()));
            release(left);
            left = null;
            left = lastColumn ? null : hold(end(tile, 4, columns.blendExtent()));
            below[j] = lastRow ? null : hold(end(tile, 3, rows.blendExtent()));
          }
          release(above[j]);
          above[j] = null;
        }
        Tensor[] swap = above;
        above = below;
        below = swap;
      }
    } finally {
      release(left);
      for (int j = 0; j < columns.count(); j++) {
        release(above[j]);
        release(below[j]);
      }
    }
  }

  /** A copy of the last {@code extent} slices of {@code tile} along {@code dim} (all, when it has fewer). */
  private static Tensor end(Tensor tile, int dim, long extent) {
    long n = Math.min(extent, tile.size(dim));
    return tile.narrow(dim, tile.size(dim) - n, n).clone();
  }

  /** A handle that outlives the tile's scope, until {@link #release}. */
  private static Tensor hold(Tensor t) {
    Tensor held = new Tensor(t);
    held.retainReference();
    return held;
  }

  private static void release(Tensor t) {
    if (t != null) {
      t.releaseReference();
    }
  }
}
