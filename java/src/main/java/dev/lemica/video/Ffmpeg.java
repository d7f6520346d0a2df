package dev.lemica.video;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVDictionaryEntry;
import org.bytedeco.ffmpeg.avutil.LogCallback;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;

/**
 * What every use of the FFmpeg preset needs: FFmpeg's own log kept off the terminal (the CLI's
 * output is ours), its last error line kept for our one-line messages, and error codes in words.
 */
final class Ffmpeg {
  private static final ThreadLocal<String> LAST_ERROR = new ThreadLocal<>();
  private static final LogCallback CALLBACK = new ErrorLine().retainReference();

  static {
    // Below ERROR the messages are chatter (openh264 prints its settings at INFO); the level also
    // makes libopenh264 skip formatting its trace lines.
    avutil.av_log_set_level(avutil.AV_LOG_ERROR);
    avutil.setLogCallback(CALLBACK);
  }

  private Ffmpeg() {}

  /** Loads the natives and installs the log routing; cheap after the first call. */
  static void init() {
    // the static initializer does the work
  }

  /** The encoder of that exact name, or null: never FFmpeg's choice of another one. */
  static AVCodec encoder(String name) {
    init();
    AVCodec codec = avcodec.avcodec_find_encoder_by_name(name);
    return codec == null || codec.isNull() ? null : codec;
  }

  /** For reading, where a failure means a bad file: one line, {@code file: what failed (FFmpeg's reason)}. */
  static int check(int ret, Path file, String what) {
    if (ret < 0) {
      throw new IllegalArgumentException(file + ": " + what + " (" + describe(ret) + ")");
    }
    return ret;
  }

  /** For writing, where a failure is the machine's (a full disk) or ours: the same line as an I/O fault. */
  static int checkWrite(int ret, Path file, String what) {
    if (ret < 0) {
      throw writeFailure(file, what + " (" + describe(ret) + ")");
    }
    return ret;
  }

  static UncheckedIOException writeFailure(Path file, String fault) {
    String message = file + ": " + fault;
    return new UncheckedIOException(message, new IOException(message));
  }

  /** The error code in words, with the last error FFmpeg logged on this thread when it adds anything. */
  static String describe(int ret) {
    String code = strerror(ret);
    String logged = takeLastError();
    return logged == null || logged.equalsIgnoreCase(code) ? code : code + ": " + logged;
  }

  static String strerror(int ret) {
    try (BytePointer buf = new BytePointer(256)) {
      avutil.av_strerror(ret, buf, buf.capacity());
      // getString() reads the whole buffer up to its limit, NUL and what follows included.
      String text = buf.getString();
      int end = text.indexOf('\0');
      return end >= 0 ? text.substring(0, end) : text;
    }
  }

  /** The last error FFmpeg logged on this thread since the previous call, or null. */
  static String takeLastError() {
    String s = LAST_ERROR.get();
    LAST_ERROR.remove();
    return s;
  }

  /** Fails when options were left unused: a misspelt option must not silently fall back to a default. */
  static void requireAllUsed(AVDictionary options, Path file, String component) {
    if (avutil.av_dict_count(options) > 0) {
      AVDictionaryEntry e = avutil.av_dict_get(options, "", null, avutil.AV_DICT_IGNORE_SUFFIX);
      throw writeFailure(file, component + " does not know option '" + e.key().getString() + "' in this FFmpeg build");
    }
  }

  private static final class ErrorLine extends LogCallback {
    @Override
    public void call(int level, BytePointer message) {
      if (level > avutil.AV_LOG_ERROR || message == null || message.isNull()) {
        return;
      }
      // lines come as "[libopenh264 @ 0x55d1c0] Initialize failed\n"
      String line = message.getString().strip().replaceFirst("^\\[[^\\]]*\\]\\s*", "");
      if (!line.isEmpty()) {
        LAST_ERROR.set(line);
      }
    }
  }
}
