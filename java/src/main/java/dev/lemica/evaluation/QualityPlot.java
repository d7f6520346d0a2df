package dev.lemica.evaluation;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A line chart of PSNR against budget, one colour per policy, drawn with Java2D: the mean over the
 * samples solid, and where there are several samples the worst one dashed in the same colour.
 */
public final class QualityPlot {
  private static final Color[] PALETTE = {
    new Color(0xd62728), new Color(0x1f77b4), new Color(0x2ca02c), new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b),
    new Color(0xe377c2), new Color(0x7f7f7f)
  };

  private QualityPlot() {}

  /**
   * Points sit at each variant's effective budget (what it really computed), so an online policy that
   * overshoots its target is drawn where it belongs.
   */
  public static BufferedImage psnrByBudget(List<VariantResult> results, int fullSteps, String title) {
    Map<String, List<double[]>> lines = new LinkedHashMap<>();
    for (VariantResult r : results) {
      lines.computeIfAbsent(r.variant().policy(), k -> new ArrayList<>())
          .add(new double[] {r.effectiveBudget(fullSteps), r.meanPsnr(), r.worstPsnr()});
    }
    double minX = Math.floor(results.stream().mapToDouble(r -> r.effectiveBudget(fullSteps)).min().orElse(0));
    double maxX = Math.ceil(results.stream().mapToDouble(r -> r.effectiveBudget(fullSteps)).max().orElse(1));
    boolean worst = results.stream().anyMatch(r -> r.perPrompt().length > 1);
    double minY = Math.floor(results.stream().mapToDouble(r -> worst ? r.worstPsnr() : r.meanPsnr()).min().orElse(0) / 5) * 5;
    double maxY = Math.ceil(results.stream().mapToDouble(VariantResult::meanPsnr).max().orElse(1) / 5) * 5;
    if (maxX == minX) {
      maxX = minX + 1;
    }
    if (maxY == minY) {
      maxY = minY + 5;
    }
    int width = 760;
    int height = 480;
    int left = 70;
    int right = 200;
    int top = 50;
    int bottom = 60;
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    int plotW = width - left - right;
    int plotH = height - top - bottom;
    g.setColor(new Color(0xeeeeee));
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    for (double y = minY; y <= maxY + 1e-9; y += 5) {
      int py = top + (int) ((maxY - y) / (maxY - minY) * plotH);
      g.setColor(new Color(0xe0e0e0));
      g.drawLine(left, py, left + plotW, py);
      g.setColor(Color.DARK_GRAY);
      g.drawString(String.format(Locale.ROOT, "%.0f", y), left - 30, py + 4);
    }
    List<Double> xs = results.stream().map(r -> (double) r.variant().budget()).distinct().sorted().toList();
    for (double x : xs) {
      int px = left + (int) ((x - minX) / (maxX - minX) * plotW);
      g.setColor(new Color(0xe0e0e0));
      g.drawLine(px, top, px, top + plotH);
      g.setColor(Color.DARK_GRAY);
      g.drawString(String.format(Locale.ROOT, "%.0f", x), px - 6, top + plotH + 18);
    }
    g.setColor(Color.BLACK);
    g.drawRect(left, top, plotW, plotH);
    g.drawString("computed steps (block-stack evaluations per CFG branch)", left + plotW / 2 - 160, height - 18);
    g.drawString(worst ? "PSNR vs full (dB): mean solid, worst sample dashed" : "PSNR vs full (dB)", 8, top - 12);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.drawString(title, left, 24);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    int legendY = top + 10;
    int colorIndex = 0;
    for (Map.Entry<String, List<double[]>> line : lines.entrySet()) {
      Color c = PALETTE[colorIndex++ % PALETTE.length];
      g.setColor(c);
      g.setStroke(new BasicStroke(2.2f));
      List<double[]> points = line.getValue();
      points.sort((a, b) -> Double.compare(a[0], b[0]));
      for (int series = worst ? 2 : 1; series >= 1; series--) {
        g.setStroke(series == 1 ? new BasicStroke(2.2f) : new BasicStroke(1.4f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        int prevX = -1;
        int prevY = -1;
        for (double[] p : points) {
          int px = left + (int) ((p[0] - minX) / (maxX - minX) * plotW);
          int py = top + (int) ((maxY - p[series]) / (maxY - minY) * plotH);
          int dot = series == 1 ? 4 : 2;
          g.fillOval(px - dot, py - dot, 2 * dot, 2 * dot);
          if (prevX >= 0) {
            g.drawLine(prevX, prevY, px, py);
          }
          prevX = px;
          prevY = py;
        }
      }
      g.setStroke(new BasicStroke(2.2f));
      g.drawLine(left + plotW + 15, legendY, left + plotW + 40, legendY);
      g.setColor(Color.BLACK);
      g.drawString(line.getKey(), left + plotW + 46, legendY + 4);
      legendY += 20;
    }
    g.dispose();
    return image;
  }
}
