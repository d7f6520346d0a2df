package dev.lemica.video;

import dev.lemica.io.OutputFile;
import dev.lemica.torch.Tensors;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.pytorch.Tensor;

/**
 * Where generated videos go: one file, its format chosen by extension.
 *
 * <ul>
 *   <li>{@code .mp4}: H.264 (libopenh264, high profile, yuv420p BT.709), rate-controlled at 0.3 bits
 *       per pixel per frame (at least 400 kbit/s);
 *   <li>{@code .webm}: VP9 (libvpx-vp9, yuv420p BT.709), constant quality crf 24;
 *   <li>{@code .gif}: animated GIF, looping, 256 colours per frame;
 *   <li>{@code .png}: one image when the videos have one frame (image pipelines); for several
 *       frames, the frame strip: a row per video, a column per frame.
 * </ul>
 *
 * Several videos (B > 1) become one grid of {@code ceil(sqrt(B))} columns with a one-pixel black gap.
 * MP4 and WebM need even sizes: an odd last row or column is repeated once. Pixels are converted to
 * 8 bits by {@link Pixels} as diffusers does: videos truncate like {@code export_to_video}, a
 * one-frame PNG rounds like a pipeline's PIL image. Files are written atomically.
 */
public final class VideoOutput {
  private final Path path;
  private final VideoFormat format;

  private VideoOutput(Path path, VideoFormat format) {
    this.path = path;
    this.format = format;
  }

  /**
   * Chooses the format by extension (.mp4 H.264, .webm VP9, .gif animated GIF, .png image) and
   * checks, before any sampling: known extension, parent folder exists and is writable, target not a
   * directory, the encoder exists in this FFmpeg build. Fails with one line naming the path and the
   * fault.
   */
  public static VideoOutput forPath(Path out) {
    VideoFormat format = VideoFormat.ofExtension(OutputFile.check(out, VideoFormat.extensions()));
    FfmpegVideoWriter.Codec codec = format.codec;
    if (codec != null) {
      if (Ffmpeg.encoder(codec.encoder()) == null) {
        throw new IllegalArgumentException(out + ": encoder " + codec.encoder() + " for " + format.description + " is not in this FFmpeg build");
      }
      if (avformat.av_guess_format(codec.muxer(), null, null) == null) {
        throw new IllegalArgumentException(out + ": container " + codec.muxer() + " is not in this FFmpeg build");
      }
    }
    return new VideoOutput(out, format);
  }

  /**
   * Writes videos (B, 3, F, H, W) float in [-1, 1] (what VAEs decode) as one file: a grid when
   * B > 1 (columns = ceil(sqrt(B))); each pixel scaled by {@code scale} (nearest), fps as given
   * (PNG ignores it).
   */
  public void write(Tensor videos, int fps, int scale) {
    write(videos, fps, scale, Pixels.Rounding.TRUNCATE);
  }

  /**
   * {@link #write(Tensor, int, int)} with the pipeline's way to 8 bits for the video formats:
   * diffusers' export truncates ({@code (x * 255).astype(uint8)}), Open-Sora's save_sample rounds
   * ({@code x * 255 + 0.5} truncated). A PNG image rounds, a PNG strip truncates, as before.
   */
  public void write(Tensor videos, int fps, int scale, Pixels.Rounding rounding) {
    if (fps < 1 || scale < 1) {
      throw new IllegalArgumentException(path + ": fps and scale must be positive, got fps " + fps + " and scale " + scale);
    }
    if (videos.dim() != 5 || videos.size(1) != 3 || videos.size(0) < 1 || videos.size(2) < 1) {
      throw new IllegalArgumentException(path + ": expected videos (batch, 3, frames, height, width), got " + Tensors.shapeString(videos));
    }
    switch (format) {
      case MP4, WEBM -> {
        Frames frames = new Frames(videos, rounding, scale);
        OutputFile.writeAtomically(path, tmp -> FfmpegVideoWriter.write(frames, fps, format.codec, path, tmp));
      }
      case GIF -> GifWriter.write(new Frames(videos, rounding, scale), path, fps);
      case PNG -> PngWriter.write(
          videos.size(2) == 1 ? new Frames(videos, Pixels.Rounding.ROUND, scale).image(0) : VideoFrames.strip(videos, scale), path);
    }
  }

  /** "mp4 (H.264, libopenh264)" and so on, for log lines. */
  public String format() {
    return format.description;
  }

  public Path path() {
    return path;
  }

  @Override
  public String toString() {
    return path + " [" + format.description + "]";
  }
}
