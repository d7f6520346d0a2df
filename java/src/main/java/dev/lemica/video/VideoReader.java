package dev.lemica.video;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avformat.av_find_best_stream;
import static org.bytedeco.ffmpeg.global.avformat.av_guess_frame_rate;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_RANGE_JPEG;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_SPC_BT2020_CL;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_SPC_BT2020_NCL;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_SPC_BT709;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_SPC_FCC;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_SPC_SMPTE240M;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_TIME_BASE;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_FLAG_RGB;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_pix_fmt_desc_get;
import static org.bytedeco.ffmpeg.global.swscale.SWS_ACCURATE_RND;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BICUBIC;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BITEXACT;
import static org.bytedeco.ffmpeg.global.swscale.SWS_CS_BT2020;
import static org.bytedeco.ffmpeg.global.swscale.SWS_CS_DEFAULT;
import static org.bytedeco.ffmpeg.global.swscale.SWS_CS_FCC;
import static org.bytedeco.ffmpeg.global.swscale.SWS_CS_ITU709;
import static org.bytedeco.ffmpeg.global.swscale.SWS_CS_SMPTE240M;
import static org.bytedeco.ffmpeg.global.swscale.SWS_FULL_CHR_H_INT;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCoefficients;
import static org.bytedeco.ffmpeg.global.swscale.sws_getContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;
import static org.bytedeco.ffmpeg.global.swscale.sws_setColorspaceDetails;

import dev.lemica.torch.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Decodes a video (or GIF, or image) file into 8-bit RGB frames with FFmpeg: how tests and users
 * check what was written. YUV is converted back with the matrix and range the stream is tagged with
 * (BT.601 limited range when untagged, FFmpeg's default).
 */
public final class VideoReader {
  /**
   * @param frames (F, H, W, 3) uint8 RGB, on the CPU
   * @param fps the stream's frame rate as FFmpeg guesses it (container, then codec)
   * @param codec FFmpeg's codec name: "h264", "vp9", "gif", "png", ...
   * @param seconds the duration the container states, what players show; 0 when it states none
   */
  public record Video(Tensor frames, double fps, String codec, double seconds) {
    public int count() {
      return (int) frames.size(0);
    }

    public int height() {
      return (int) frames.size(1);
    }

    public int width() {
      return (int) frames.size(2);
    }
  }

  private VideoReader() {}

  /** Every frame of the file's best video stream; one line naming the file on any fault. */
  public static Video read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(file + ": " + (Files.exists(file) ? "not a regular file" : "no such file"));
    }
    Decoded decoded = new Decoded(file);
    try {
      decode(file, decoded);
    } finally {
      decoded.close();
    }
    // allocated here, outside decode's scope, so the caller's scope owns it
    return new Video(decoded.tensor(), decoded.fps, decoded.codec, decoded.seconds);
  }

  private static void decode(Path file, Decoded decoded) {
    Ffmpeg.init();
    Ffmpeg.takeLastError(); // an old message must not explain this read's failure
    AVFormatContext format = new AVFormatContext(null);
    AVCodecContext context = null;
    AVPacket packet = null;
    AVFrame frame = null;
    try (PointerScope scope = new PointerScope()) {
      Ffmpeg.check(avformat_open_input(format, file.toString(), null, null), file, "not a video FFmpeg can read");
      Ffmpeg.check(avformat_find_stream_info(format, (PointerPointer<?>) null), file, "cannot find its streams");
      int index = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, (AVCodec) null, 0);
      Ffmpeg.check(index, file, "no video stream");
      AVStream stream = format.streams(index);
      int codecId = stream.codecpar().codec_id();
      decoded.codec = avcodec_get_name(codecId).getString();
      AVCodec decoder = avcodec_find_decoder(codecId);
      if (decoder == null || decoder.isNull()) {
        throw new IllegalArgumentException(file + ": no " + decoded.codec + " decoder in this FFmpeg build");
      }
      context = avcodec_alloc_context3(decoder);
      Ffmpeg.check(avcodec_parameters_to_context(context, stream.codecpar()), file, "cannot set up the " + decoded.codec + " decoder");
      context.pkt_timebase(stream.time_base());
      Ffmpeg.check(avcodec_open2(context, decoder, (AVDictionary) null), file, "cannot open the " + decoded.codec + " decoder");
      AVRational rate = av_guess_frame_rate(format, stream, null);
      decoded.fps = rate.num() > 0 && rate.den() > 0 ? (double) rate.num() / rate.den() : 0;
      decoded.seconds = format.duration() > 0 ? format.duration() / (double) AV_TIME_BASE : 0;

      packet = av_packet_alloc();
      frame = av_frame_alloc();
      while (true) {
        int ret = av_read_frame(format, packet);
        if (ret == AVERROR_EOF) {
          break;
        }
        Ffmpeg.check(ret, file, "cannot read a packet");
        try {
          if (packet.stream_index() == index) {
            Ffmpeg.check(avcodec_send_packet(context, packet), file, "corrupt " + decoded.codec + " data");
            receive(context, frame, decoded);
          }
        } finally {
          av_packet_unref(packet);
        }
      }
      Ffmpeg.check(avcodec_send_packet(context, null), file, "cannot flush the " + decoded.codec + " decoder");
      receive(context, frame, decoded);
      if (decoded.frames.isEmpty()) {
        throw new IllegalArgumentException(file + ": no frames in its " + decoded.codec + " stream");
      }
    } finally {
      if (frame != null) {
        av_frame_free(frame);
      }
      if (packet != null) {
        av_packet_free(packet);
      }
      if (context != null) {
        avcodec_free_context(context);
      }
      if (!format.isNull()) {
        avformat_close_input(format);
      }
    }
  }

  private static void receive(AVCodecContext context, AVFrame frame, Decoded decoded) {
    while (true) {
      int ret = avcodec_receive_frame(context, frame);
      if (ret == org.bytedeco.ffmpeg.presets.avutil.AVERROR_EAGAIN() || ret == AVERROR_EOF) {
        return;
      }
      Ffmpeg.check(ret, decoded.file, "corrupt " + decoded.codec + " data");
      decoded.add(frame);
    }
  }

  /** Frames converted to packed RGB as they arrive, with one conversion context for all of them. */
  private static final class Decoded implements AutoCloseable {
    final Path file;
    final List<byte[]> frames = new ArrayList<>();
    String codec;
    double fps;
    double seconds;
    SwsContext sws;
    BytePointer rgb;
    int width;
    int height;
    int pixelFormat = -1;

    Decoded(Path file) {
      this.file = file;
    }

    void add(AVFrame frame) {
      if (sws == null) {
        width = frame.width();
        height = frame.height();
        pixelFormat = frame.format();
        sws = sws_getContext(width, height, pixelFormat, width, height, AV_PIX_FMT_RGB24,
            SWS_BICUBIC | SWS_ACCURATE_RND | SWS_BITEXACT | SWS_FULL_CHR_H_INT, null, null, (DoublePointer) null);
        if (sws == null) {
          throw new IllegalArgumentException(file + ": cannot convert its pixel format " + pixelFormat + " to RGB");
        }
        if ((av_pix_fmt_desc_get(pixelFormat).flags() & AV_PIX_FMT_FLAG_RGB) == 0) {
          int matrix = swsMatrix(frame.colorspace());
          sws_setColorspaceDetails(sws, sws_getCoefficients(matrix), frame.color_range() == AVCOL_RANGE_JPEG ? 1 : 0,
              sws_getCoefficients(matrix), 1, 0, 1 << 16, 1 << 16);
        }
        rgb = new BytePointer((long) width * height * 3);
        rgb.retainReference();
      } else if (frame.width() != width || frame.height() != height || frame.format() != pixelFormat) {
        throw new IllegalArgumentException(file + ": frame " + frames.size() + " changes size or pixel format mid-stream");
      }
      try (PointerPointer<?> dst = new PointerPointer<BytePointer>(1).put(0, rgb);
          IntPointer stride = new IntPointer(new int[] {width * 3, 0, 0, 0})) {
        sws_scale(sws, frame.data(), frame.linesize(), 0, height, dst, stride);
      }
      byte[] bytes = new byte[width * height * 3];
      rgb.position(0).get(bytes);
      frames.add(bytes);
    }

    Tensor tensor() {
      Tensor out = Tensors.empty(new long[] {frames.size(), height, width, 3}, ScalarType.Byte);
      BytePointer data = new BytePointer(out.mutable_data_ptr()).capacity((long) frames.size() * width * height * 3);
      long offset = 0;
      for (byte[] f : frames) {
        data.position(offset).put(f);
        offset += f.length;
      }
      return out;
    }

    @Override
    public void close() {
      if (sws != null) {
        sws_freeContext(sws);
      }
      if (rgb != null) {
        rgb.releaseReference();
      }
    }
  }

  private static int swsMatrix(int colorspace) {
    if (colorspace == AVCOL_SPC_BT709) {
      return SWS_CS_ITU709;
    }
    if (colorspace == AVCOL_SPC_FCC) {
      return SWS_CS_FCC;
    }
    if (colorspace == AVCOL_SPC_SMPTE240M) {
      return SWS_CS_SMPTE240M;
    }
    if (colorspace == AVCOL_SPC_BT2020_NCL || colorspace == AVCOL_SPC_BT2020_CL) {
      return SWS_CS_BT2020;
    }
    return SWS_CS_DEFAULT; // BT.601, also for BT470BG and SMPTE170M
  }
}
