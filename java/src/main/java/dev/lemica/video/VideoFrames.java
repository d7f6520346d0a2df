package dev.lemica.video;

import dev.lemica.torch.Tensors;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * Turns videos (B, 3, F, H, W) in [-1, 1] into RGB frames: clamped, mapped to 0..255, enlarged by an
 * integer factor (nearest neighbour, so small test videos stay crisp), and tiled into a grid when
 * there are several.
 */
public final class VideoFrames {
  private VideoFrames() {}

  /**
   * @param columns grid columns; rows follow from the batch size
   * @param scale integer enlargement of each pixel
   */
  public static List<BufferedImage> grid(Tensor videos, int columns, int scale) {
    if (videos.dim() != 5 || videos.size(1) != 3) {
      throw new IllegalArgumentException("expected videos (batch, 3, frames, height, width), got " + Tensors.shapeString(videos));
    }
    int batch = (int) videos.size(0);
    int frames = (int) videos.size(2);
    int height = (int) videos.size(3);
    int width = (int) videos.size(4);
    columns = Math.max(1, Math.min(columns, batch));
    int rows = (batch + columns - 1) / columns;
    int gap = scale; // one source pixel of black between tiles
    int tileW = width * scale;
    int tileH = height * scale;
    float[] data = Tensors.toFloats(videos);
    List<BufferedImage> out = new ArrayList<>();
    for (int f = 0; f < frames; f++) {
      BufferedImage image =
          new BufferedImage(columns * tileW + (columns - 1) * gap, rows * tileH + (rows - 1) * gap, BufferedImage.TYPE_INT_RGB);
      for (int b = 0; b < batch; b++) {
        int x0 = (b % columns) * (tileW + gap);
        int y0 = (b / columns) * (tileH + gap);
        for (int y = 0; y < height; y++) {
          for (int x = 0; x < width; x++) {
            int rgb = 0;
            for (int c = 0; c < 3; c++) {
              long index = ((((long) b * 3 + c) * frames + f) * height + y) * width + x;
              rgb = (rgb << 8) | toByte(data[(int) index]);
            }
            for (int dy = 0; dy < scale; dy++) {
              for (int dx = 0; dx < scale; dx++) {
                image.setRGB(x0 + x * scale + dx, y0 + y * scale + dy, rgb);
              }
            }
          }
        }
      }
      out.add(image);
    }
    return out;
  }

  /**
   * One still image of every frame: a row per video, a column per frame, like the model card's
   * preview. Easier to inspect than an animation.
   */
  public static BufferedImage strip(Tensor videos, int scale) {
    int batch = (int) videos.size(0);
    int frames = (int) videos.size(2);
    int height = (int) videos.size(3) * scale;
    int width = (int) videos.size(4) * scale;
    List<BufferedImage> perFrame = grid(videos, 1, scale);
    int gap = scale;
    BufferedImage out =
        new BufferedImage(frames * width + (frames - 1) * gap, batch * height + (batch - 1) * gap, BufferedImage.TYPE_INT_RGB);
    for (int f = 0; f < frames; f++) {
      BufferedImage column = perFrame.get(f);
      for (int b = 0; b < batch; b++) {
        for (int y = 0; y < height; y++) {
          for (int x = 0; x < width; x++) {
            out.setRGB(f * (width + gap) + x, b * (height + gap) + y, column.getRGB(x, b * (height + gap) + y));
          }
        }
      }
    }
    return out;
  }

  /**
   * Several versions of one video, one labelled row each (frames left to right): how a reader sees
   * what caching changed.
   *
   * @param videos each (1, 3, F, H, W)
   */
  public static BufferedImage labelledRows(List<String> labels, List<Tensor> videos, int scale) {
    List<BufferedImage> rows = new ArrayList<>();
    for (Tensor v : videos) {
      rows.add(strip(v, scale));
    }
    int labelWidth = 200;
    int gap = scale;
    int width = labelWidth + rows.get(0).getWidth();
    int height = rows.stream().mapToInt(BufferedImage::getHeight).sum() + gap * (rows.size() - 1);
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    java.awt.Graphics2D g = out.createGraphics();
    g.setRenderingHint(java.awt.RenderingHints.KEY_TEXT_ANTIALIASING, java.awt.RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(java.awt.Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.setFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 13));
    int y = 0;
    for (int i = 0; i < rows.size(); i++) {
      BufferedImage row = rows.get(i);
      g.drawImage(row, labelWidth, y, null);
      g.setColor(java.awt.Color.BLACK);
      g.drawString(labels.get(i), 6, y + row.getHeight() / 2 + 5);
      y += row.getHeight() + gap;
    }
    g.dispose();
    return out;
  }

  /** [-1, 1] to 0..255, clamped, rounded half up. */
  static int toByte(float v) {
    double unit = Math.max(0.0, Math.min(1.0, (v + 1.0) / 2.0));
    return (int) Math.floor(unit * 255.0 + 0.5);
  }
}
