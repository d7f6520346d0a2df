package dev.lemica.video;

import java.util.Locale;
import java.util.Map;

/**
 * The output formats, chosen by file extension. The FFmpeg ones name their encoder exactly: this is
 * the LGPL build of FFmpeg (no libx264), and a missing encoder must be an error, not a silent switch
 * to another codec.
 */
enum VideoFormat {
  MP4(".mp4", "mp4 (H.264, libopenh264)",
      new FfmpegVideoWriter.Codec(
          "mp4", "libopenh264",
          // high profile = CABAC; openh264 is rate-controlled, so quality comes from the bitrate
          Map.of("profile", "high", "rc_mode", "quality", "allow_skip_frames", "0"),
          // index at the front, so browsers start playing before the whole file has arrived
          Map.of("movflags", "+faststart"),
          FfmpegVideoWriter.BITS_PER_PIXEL_H264, FfmpegVideoWriter.MIN_BITRATE_H264)),
  WEBM(".webm", "webm (VP9, libvpx-vp9)",
      new FfmpegVideoWriter.Codec(
          "webm", "libvpx-vp9",
          // constant quality (crf with no target bitrate); cpu-used 4 is libvpx's speed/quality middle
          Map.of("crf", Integer.toString(FfmpegVideoWriter.CRF_VP9), "b", "0", "deadline", "good", "cpu-used", "4",
              "row-mt", "1", "threads", "auto"),
          Map.of(), 0, 0)),
  GIF(".gif", "gif (animated GIF, JDK encoder, 256 colors per frame)", null),
  PNG(".png", "png (PNG image, JDK encoder)", null);

  final String extension;
  final String description;
  /** null for the formats the JDK writes */
  final FfmpegVideoWriter.Codec codec;

  VideoFormat(String extension, String description, FfmpegVideoWriter.Codec codec) {
    this.extension = extension;
    this.description = description;
    this.codec = codec;
  }

  static String[] extensions() {
    VideoFormat[] all = values();
    String[] out = new String[all.length];
    for (int i = 0; i < all.length; i++) {
      out[i] = all[i].extension;
    }
    return out;
  }

  static VideoFormat ofExtension(String extension) {
    for (VideoFormat f : values()) {
      if (f.extension.equals(extension.toLowerCase(Locale.ROOT))) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown extension " + extension);
  }
}
