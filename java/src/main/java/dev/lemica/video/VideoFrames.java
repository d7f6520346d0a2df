package dev.lemica.video;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * Still pictures of videos (B, 3, F, H, W) in [-1, 1], converted to 8 bits by {@link Pixels} as the
 * video files are: easier to inspect than an animation.
 */
public final class VideoFrames {
  private VideoFrames() {}

  /**
   * Every frame in one image: a row per video, a column per frame, like the model card's preview.
   */
  public static BufferedImage strip(Tensor videos, int scale) {
    if (videos.dim() != 5 || videos.size(1) != 3) {
      throw new IllegalArgumentException("expected videos (batch, 3, frames, height, width), got " + dev.lemica.torch.Tensors.shapeString(videos));
    }
    int batch = (int) videos.size(0);
    int frames = (int) videos.size(2);
    int tileBytes = (int) (videos.size(3) * videos.size(4) * 3);
    Grid grid = new Grid(batch * frames, (int) videos.size(3), (int) videos.size(4), frames, scale);
    byte[] canvas = grid.canvas();
    for (int f = 0; f < frames; f++) {
      byte[] pixels = Pixels.frame(videos, f, Pixels.Rounding.TRUNCATE);
      for (int b = 0; b < batch; b++) {
        grid.place(b * frames + f, pixels, b * tileBytes, canvas);
      }
    }
    return Frames.toImage(canvas, grid.width, grid.height);
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
}
