package dev.lemica.video;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_GLOBAL_HEADER;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_rescale_ts;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_from_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_packet;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_frame;
import static org.bytedeco.ffmpeg.global.avformat.AVFMT_GLOBALHEADER;
import static org.bytedeco.ffmpeg.global.avformat.AVIO_FLAG_WRITE;
import static org.bytedeco.ffmpeg.global.avformat.av_interleaved_write_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_write_trailer;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_output_context2;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_new_stream;
import static org.bytedeco.ffmpeg.global.avformat.avformat_write_header;
import static org.bytedeco.ffmpeg.global.avformat.avio_closep;
import static org.bytedeco.ffmpeg.global.avformat.avio_open;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_PRI_BT709;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_RANGE_MPEG;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_SPC_BT709;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_TRC_BT709;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_make_writable;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.swscale.SWS_ACCURATE_RND;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BICUBIC;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BITEXACT;
import static org.bytedeco.ffmpeg.global.swscale.SWS_CS_ITU709;
import static org.bytedeco.ffmpeg.global.swscale.SWS_FULL_CHR_H_INP;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCoefficients;
import static org.bytedeco.ffmpeg.global.swscale.sws_getContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;
import static org.bytedeco.ffmpeg.global.swscale.sws_setColorspaceDetails;

import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
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

/**
 * Encodes frames with one named FFmpeg encoder into one container: RGB to yuv420p (BT.709, limited
 * range, tagged so players convert back the same way), timestamps in units of 1/fps, the encoder
 * flushed and the trailer written. Every FFmpeg object is freed in {@code finally}.
 */
final class FfmpegVideoWriter {
  /**
   * @param muxer FFmpeg's name of the container ("mp4", "webm")
   * @param encoder the encoder's exact name
   * @param options encoder options; an option the encoder does not take is an error
   * @param muxerOptions container options, same rule
   * @param bitsPerPixel for rate-controlled encoders, the target bitrate per pixel per frame; 0 for
   *     quality-controlled ones (the options say how)
   * @param minBitrate floor of the target bitrate in bits/s: tiny frames need more bits per pixel
   */
  record Codec(
      String muxer, String encoder, Map<String, String> options, Map<String, String> muxerOptions, double bitsPerPixel,
      long minBitrate) {

    long bitrate(int width, int height, int fps) {
      return bitsPerPixel <= 0 ? 0 : Math.max(minBitrate, Math.round(bitsPerPixel * width * height * fps));
    }
  }

  /**
   * H.264 target in bits per pixel per frame: 832×480 at 16 fps gets 1.9 Mbit/s. On 81 synthetic
   * frames of that size (gradients, a moving disc, a drifting blurred-noise texture, harder than
   * generated video) openh264 gave 32.0 / 35.3 / 37.6 / 39.3 dB PSNR at 0.1 / 0.2 / 0.3 / 0.4.
   */
  static final double BITS_PER_PIXEL_H264 = 0.3;

  /** Floor of the H.264 target: small frames need more bits per pixel than large ones. */
  static final long MIN_BITRATE_H264 = 400_000;

  /**
   * VP9 constant quality (0 best .. 63 worst). On the same frames: crf 20 / 24 / 30 / 32 gave
   * 40.3 / 39.7 / 38.3 / 37.6 dB in 532 / 468 / 346 / 303 KB.
   */
  static final int CRF_VP9 = 24;

  /** A keyframe every this many seconds: short clips get one or two, long ones stay seekable. */
  private static final int KEYFRAME_SECONDS = 5;

  private FfmpegVideoWriter() {}

  /**
   * @param target the final name, for messages
   * @param file where the bytes go (the temporary sibling of {@code target})
   */
  static void write(Frames frames, int fps, Codec codec, Path target, Path file) {
    Ffmpeg.takeLastError(); // an old message must not explain this write's failure
    AVCodec encoder = Ffmpeg.encoder(codec.encoder());
    if (encoder == null) {
      throw Ffmpeg.writeFailure(target, "encoder " + codec.encoder() + " is not in this FFmpeg build");
    }
    // yuv420p halves chroma in both directions: encoders want even sizes, so an odd last row or
    // column is repeated once (the file is at most one pixel wider and taller than the frames)
    int width = frames.width() + (frames.width() & 1);
    int height = frames.height() + (frames.height() & 1);
    AVFormatContext format = new AVFormatContext(null);
    AVCodecContext context = null;
    AVFrame yuv = null;
    AVPacket packet = null;
    SwsContext sws = null;
    boolean opened = false;
    try (PointerScope scope = new PointerScope()) {
      Ffmpeg.checkWrite(avformat_alloc_output_context2(format, null, codec.muxer(), file.toString()), target, "cannot set up a " + codec.muxer() + " file");
      AVStream stream = avformat_new_stream(format, null);
      if (stream == null) {
        throw Ffmpeg.writeFailure(target, "cannot add a video stream");
      }
      context = avcodec_alloc_context3(encoder);
      AVRational frameTime = av_make_q(1, fps);
      context.width(width).height(height).pix_fmt(AV_PIX_FMT_YUV420P).time_base(frameTime).framerate(av_make_q(fps, 1));
      context.gop_size(Math.max(1, KEYFRAME_SECONDS * fps));
      context.color_range(AVCOL_RANGE_MPEG).colorspace(AVCOL_SPC_BT709).color_primaries(AVCOL_PRI_BT709).color_trc(AVCOL_TRC_BT709);
      long bitrate = codec.bitrate(width, height, fps);
      if (bitrate > 0) {
        context.bit_rate(bitrate);
      }
      if ((format.oformat().flags() & AVFMT_GLOBALHEADER) != 0) {
        context.flags(context.flags() | AV_CODEC_FLAG_GLOBAL_HEADER);
      }
      AVDictionary options = dictionary(codec.options());
      try {
        Ffmpeg.checkWrite(avcodec_open2(context, encoder, options), target, "cannot open encoder " + codec.encoder() + " for " + width + "x" + height + " at " + fps + " fps");
        Ffmpeg.requireAllUsed(options, target, codec.encoder());
      } finally {
        av_dict_free(options);
      }
      Ffmpeg.checkWrite(avcodec_parameters_from_context(stream.codecpar(), context), target, "cannot describe the stream");
      stream.time_base(frameTime).avg_frame_rate(av_make_q(fps, 1));

      AVIOContext io = new AVIOContext(null);
      Ffmpeg.checkWrite(avio_open(io, file.toString(), AVIO_FLAG_WRITE), target, "cannot open for writing");
      format.pb(io);
      opened = true;
      AVDictionary muxerOptions = dictionary(codec.muxerOptions());
      try {
        Ffmpeg.checkWrite(avformat_write_header(format, muxerOptions), target, "cannot write the " + codec.muxer() + " header");
        Ffmpeg.requireAllUsed(muxerOptions, target, codec.muxer() + " muxer");
      } finally {
        av_dict_free(muxerOptions);
      }

      yuv = av_frame_alloc();
      yuv.format(AV_PIX_FMT_YUV420P).width(width).height(height);
      yuv.color_range(AVCOL_RANGE_MPEG).colorspace(AVCOL_SPC_BT709).color_primaries(AVCOL_PRI_BT709).color_trc(AVCOL_TRC_BT709);
      Ffmpeg.checkWrite(av_frame_get_buffer(yuv, 0), target, "cannot allocate a frame");
      packet = av_packet_alloc();
      sws = sws_getContext(width, height, AV_PIX_FMT_RGB24, width, height, AV_PIX_FMT_YUV420P,
          SWS_BICUBIC | SWS_ACCURATE_RND | SWS_BITEXACT | SWS_FULL_CHR_H_INP, null, null, (DoublePointer) null);
      if (sws == null) {
        throw Ffmpeg.writeFailure(target, "cannot convert RGB to yuv420p at " + width + "x" + height);
      }
      // full-range RGB in, BT.709 limited-range YUV out: what the stream is tagged with
      sws_setColorspaceDetails(sws, sws_getCoefficients(SWS_CS_ITU709), 1, sws_getCoefficients(SWS_CS_ITU709), 0, 0, 1 << 16, 1 << 16);
      IntPointer rgbStride = new IntPointer(new int[] {width * 3, 0, 0, 0});
      BytePointer rgb = new BytePointer((long) width * height * 3);
      PointerPointer<?> source = new PointerPointer<BytePointer>(1).put(0, rgb);
      for (int f = 0; f < frames.count(); f++) {
        copyEven(frames.frame(f), frames.width(), frames.height(), rgb, width, height);
        Ffmpeg.checkWrite(av_frame_make_writable(yuv), target, "cannot reuse the frame buffer");
        sws_scale(sws, source, rgbStride, 0, height, yuv.data(), yuv.linesize());
        yuv.pts(f).duration(1);
        Ffmpeg.checkWrite(avcodec_send_frame(context, yuv), target, "encoder " + codec.encoder() + " refused frame " + f);
        drain(format, context, stream, packet, target, codec);
      }
      Ffmpeg.checkWrite(avcodec_send_frame(context, null), target, "cannot flush encoder " + codec.encoder());
      drain(format, context, stream, packet, target, codec);
      Ffmpeg.checkWrite(av_write_trailer(format), target, "cannot write the " + codec.muxer() + " trailer");
    } finally {
      if (sws != null) {
        sws_freeContext(sws);
      }
      if (packet != null) {
        av_packet_free(packet);
      }
      if (yuv != null) {
        av_frame_free(yuv);
      }
      if (context != null) {
        avcodec_free_context(context);
      }
      if (!format.isNull()) {
        if (opened) {
          avio_closep(format.pb());
        }
        avformat_free_context(format);
      }
    }
  }

  /** Moves every packet the encoder has ready into the file. */
  private static void drain(AVFormatContext format, AVCodecContext context, AVStream stream, AVPacket packet, Path target, Codec codec) {
    while (true) {
      int ret = avcodec_receive_packet(context, packet);
      if (ret == org.bytedeco.ffmpeg.presets.avutil.AVERROR_EAGAIN() || ret == AVERROR_EOF) {
        return;
      }
      Ffmpeg.checkWrite(ret, target, "encoder " + codec.encoder() + " failed");
      if (packet.duration() <= 0) {
        packet.duration(1); // one frame; without it the last frame has no length and players show F-1 frames' time
      }
      av_packet_rescale_ts(packet, context.time_base(), stream.time_base());
      packet.stream_index(stream.index());
      Ffmpeg.checkWrite(av_interleaved_write_frame(format, packet), target, "cannot write a packet");
    }
  }

  /** Copies packed RGB into {@code dst}, repeating the last column and row where {@code dst} is one larger. */
  private static void copyEven(byte[] src, int w, int h, BytePointer dst, int width, int height) {
    for (int y = 0; y < height; y++) {
      int sy = Math.min(y, h - 1);
      long row = (long) y * width * 3;
      dst.position(row).put(src, sy * w * 3, w * 3);
      if (width > w) {
        dst.position(row + w * 3L).put(src, (sy * w + w - 1) * 3, 3);
      }
    }
    dst.position(0);
  }

  private static AVDictionary dictionary(Map<String, String> entries) {
    AVDictionary d = new AVDictionary(null);
    entries.forEach((k, v) -> av_dict_set(d, k, v, 0));
    return d;
  }
}
