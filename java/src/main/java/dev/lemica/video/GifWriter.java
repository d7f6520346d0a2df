package dev.lemica.video;

import dev.lemica.io.OutputFile;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

/**
 * Writes frames as a looping animated GIF with the JDK's own GIF encoder (FFmpeg's needs a palette
 * filter graph for the same result). GIF delays are in hundredths of a second, so the frame rate is
 * rounded to one of 100/n fps.
 */
public final class GifWriter {
  private static final String FORMAT = "javax_imageio_gif_image_1.0";

  private GifWriter() {}

  static void write(Frames frames, Path file, int framesPerSecond) {
    int delayCentiseconds = Math.max(2, Math.round(100f / Math.max(1, framesPerSecond)));
    OutputFile.writeAtomically(file, tmp -> {
      ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
      try (ImageOutputStream out = ImageIO.createImageOutputStream(tmp.toFile())) {
        if (out == null) {
          throw new IOException("cannot open " + tmp);
        }
        writer.setOutput(out);
        writer.prepareWriteSequence(null);
        for (int f = 0; f < frames.count(); f++) {
          java.awt.image.BufferedImage frame = frames.image(f);
          writer.writeToSequence(new IIOImage(frame, null, frameMetadata(writer, frame, delayCentiseconds)), null);
        }
        writer.endWriteSequence();
      } finally {
        writer.dispose();
      }
    });
  }

  private static IIOMetadata frameMetadata(ImageWriter writer, java.awt.image.BufferedImage frame, int delay) throws IOException {
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
