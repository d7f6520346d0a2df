package dev.lemica.video;

/**
 * Places equal-sized packed-RGB tiles in a grid: row-major, each pixel enlarged {@code scale} times
 * (nearest neighbour, so small test videos stay crisp), one source pixel of black ({@code scale}
 * output pixels) between tiles.
 */
final class Grid {
  final int tileHeight;
  final int tileWidth;
  final int columns;
  final int scale;
  final int height;
  final int width;

  Grid(int count, int tileHeight, int tileWidth, int columns, int scale) {
    if (scale < 1) {
      throw new IllegalArgumentException("scale must be positive, got " + scale);
    }
    this.tileHeight = tileHeight;
    this.tileWidth = tileWidth;
    this.columns = Math.max(1, Math.min(columns, count));
    this.scale = scale;
    int rows = (count + this.columns - 1) / this.columns;
    this.height = Math.toIntExact((long) rows * tileHeight * scale + (long) (rows - 1) * scale);
    this.width = Math.toIntExact((long) this.columns * tileWidth * scale + (long) (this.columns - 1) * scale);
    if ((long) height * width * 3 > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("a " + width + "x" + height + " frame is too large; lower the scale");
    }
  }

  /** Grid columns for {@code count} tiles: as square as possible, wider than tall. */
  static int columnsFor(int count) {
    return Math.max(1, (int) Math.ceil(Math.sqrt(count)));
  }

  /** A black canvas of the grid's size, packed RGB. */
  byte[] canvas() {
    return new byte[height * width * 3];
  }

  /** Copies the tile at {@code source[offset ..]} (tileHeight × tileWidth × 3) to grid cell {@code index}. */
  void place(int index, byte[] source, int offset, byte[] canvas) {
    int x0 = (index % columns) * (tileWidth + 1) * scale;
    int y0 = (index / columns) * (tileHeight + 1) * scale;
    int rowBytes = tileWidth * scale * 3;
    for (int y = 0; y < tileHeight; y++) {
      int first = ((y0 + y * scale) * width + x0) * 3;
      int in = offset + y * tileWidth * 3;
      if (scale == 1) {
        System.arraycopy(source, in, canvas, first, rowBytes);
        continue;
      }
      int o = first;
      for (int x = 0; x < tileWidth; x++, in += 3) {
        for (int k = 0; k < scale; k++, o += 3) {
          canvas[o] = source[in];
          canvas[o + 1] = source[in + 1];
          canvas[o + 2] = source[in + 2];
        }
      }
      for (int k = 1; k < scale; k++) {
        System.arraycopy(canvas, first, canvas, first + k * width * 3, rowBytes);
      }
    }
  }
}
