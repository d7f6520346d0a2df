package dev.lemica.video;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

/** Writes frames as a looping animated GIF with the JDK's own GIF encoder. */
public final class GifWriter {
  private static final String FORMAT = "javax_imageio_gif_image_1.0";

  private GifWriter() {}

  public static void write(List<BufferedImage> frames, Path file, int framesPerSecond) {
    if (frames.isEmpty()) {
      throw new IllegalArgumentException("no frames to write to " + file);
    }
    int delayCentiseconds = Math.max(2, Math.round(100f / Math.max(1, framesPerSecond)));
    ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.deleteIfExists(file);
      try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
        writer.setOutput(out);
        writer.prepareWriteSequence(null);
        for (BufferedImage frame : frames) {
          writer.writeToSequence(new IIOImage(frame, null, frameMetadata(writer, frame, delayCentiseconds)), null);
        }
        writer.endWriteSequence();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot write GIF (" + e.getMessage() + ")", e);
    } finally {
      writer.dispose();
    }
  }

  private static IIOMetadata frameMetadata(ImageWriter writer, BufferedImage frame, int delay) throws IOException {
    IIOMetadata metadata = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(frame), null);
    IIOMetadataNode root = (IIOMetadataNode) metadata.getAsTree(FORMAT);
    IIOMetadataNode control = child(root, "GraphicControlExtension");
    control.setAttribute("disposalMethod", "none");
    control.setAttribute("userInputFlag", "FALSE");
    control.setAttribute("transparentColorFlag", "FALSE");
    control.setAttribute("delayTime", Integer.toString(delay));
    control.setAttribute("transparentColorIndex", "0");
    IIOMetadataNode loop = new IIOMetadataNode("ApplicationExtension");
    loop.setAttribute("applicationID", "NETSCAPE");
    loop.setAttribute("authenticationCode", "2.0");
    loop.setUserObject(new byte[] {1, 0, 0}); // loop forever
    child(root, "ApplicationExtensions").appendChild(loop);
    metadata.setFromTree(FORMAT, root);
    return metadata;
  }

  private static IIOMetadataNode child(IIOMetadataNode root, String name) {
    for (int i = 0; i < root.getLength(); i++) {
      if (root.item(i).getNodeName().equalsIgnoreCase(name)) {
        return (IIOMetadataNode) root.item(i);
      }
    }
    IIOMetadataNode node = new IIOMetadataNode(name);
    root.appendChild(node);
    return node;
  }
}
