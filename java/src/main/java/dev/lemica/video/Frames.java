package dev.lemica.video;

import java.awt.image.BufferedImage;
import org.bytedeco.pytorch.Tensor;

/**
 * The frames a writer encodes, built one at a time from the videos (B, 3, F, H, W) in [-1, 1]:
 * frame f is the grid of frame f of every video, in packed 8-bit RGB. Holds, does not own, the
 * videos.
 */
final class Frames {
  private final Tensor videos;
  private final Pixels.Rounding rounding;
  private final Grid grid;

  /** B > 1 becomes a grid of {@link Grid#columnsFor}(B) columns. */
  Frames(Tensor videos, Pixels.Rounding rounding, int scale) {
    this.videos = videos;
    this.rounding = rounding;
    int batch = (int) videos.size(0);
    this.grid = new Grid(batch, (int) videos.size(3), (int) videos.size(4), Grid.columnsFor(batch), scale);
  }

  int count() {
    return (int) videos.size(2);
  }

  int width() {
    return grid.width;
  }

  int height() {
    return grid.height;
  }

  /** Frame f, packed RGB (height × width × 3). */
  byte[] frame(int f) {
    byte[] pixels = Pixels.frame(videos, f, rounding);
    byte[] canvas = grid.canvas();
    int tileBytes = grid.tileHeight * grid.tileWidth * 3;
    for (int b = 0; b < videos.size(0); b++) {
      grid.place(b, pixels, b * tileBytes, canvas);
    }
    return canvas;
  }

  BufferedImage image(int f) {
    return toImage(frame(f), width(), height());
  }

  static BufferedImage toImage(byte[] rgb, int width, int height) {
    int[] packed = new int[width * height];
    for (int i = 0; i < packed.length; i++) {
      packed[i] = (rgb[3 * i] & 0xff) << 16 | (rgb[3 * i + 1] & 0xff) << 8 | (rgb[3 * i + 2] & 0xff);
    }
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    image.setRGB(0, 0, width, height, packed, 0, width);
    return image;
  }
}
