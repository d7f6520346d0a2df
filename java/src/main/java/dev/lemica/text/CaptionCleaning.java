package dev.lemica.text;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * DeepFloyd IF's {@code clean_caption}, the caption clean-up Open-Sora 1.2 ({@code
 * opensora/models/text_encoder/t5.py}, applied twice by {@code text_preprocessing}) and diffusers'
 * PixArt pipelines run before T5: URL-decoding, lower-casing, removal of URLs, HTML, @names, CJK
 * blocks, ids, file names and shop phrases, dash and quote normalisation, bad punctuation to spaces.
 *
 * <p>Two library calls are approximated: BeautifulSoup's {@code html.parser} text becomes "drop
 * tags, unescape entities" ({@code <x ...>}, {@code </x>}, {@code <!...>}, {@code <?...>} go;
 * a lone {@code <} stays), and {@code ftfy.fix_text} is not applied (no Java port; it only repairs
 * mojibake, see {@link PromptText#cleanWan}). Regexes run with Unicode character classes, as
 * Python 3's {@code re} does on str.
 */
public final class CaptionCleaning {
  private static final int FLAGS = Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNIX_LINES;

  /** One {@code re.sub(pattern, replacement, caption)}; the replacement may use {@code $1}. */
  private record Sub(Pattern pattern, String replacement) {
    static Sub of(String regex, String replacement) {
      return new Sub(Pattern.compile(regex, FLAGS), replacement);
    }

    String apply(String text) {
      return pattern.matcher(text).replaceAll(replacement);
    }
  }

  private static final String URL_TAIL = "[a-zA-Z0-9.\\-]+[.](?:com|co|ru|net|org|edu|gov|it)[\\w/-]*\\b/?(?!@)))";

  /** From the URL regexes to the CJK blocks (before the HTML step comes nothing else). */
  private static final List<Sub> URLS = List.of(
      Sub.of("\\b((?:https?:(?:/{1,3}|[a-zA-Z0-9%])|" + URL_TAIL, ""),
      Sub.of("\\b((?:www:(?:/{1,3}|[a-zA-Z0-9%])|" + URL_TAIL, ""));

  private static final List<Sub> AFTER_HTML = List.of(
      Sub.of("@[\\w\\d]+\\b", ""),
      Sub.of("[\\u31c0-\\u31ef]+", ""),
      Sub.of("[\\u31f0-\\u31ff]+", ""),
      Sub.of("[\\u3200-\\u32ff]+", ""),
      Sub.of("[\\u3300-\\u33ff]+", ""),
      Sub.of("[\\u3400-\\u4dbf]+", ""),
      Sub.of("[\\u4dc0-\\u4dff]+", ""),
      Sub.of("[\\u4e00-\\u9fff]+", ""),
      Sub.of("[\\u002D\\u058A\\u05BE\\u1400\\u1806\\u2010-\\u2015\\u2E17\\u2E1A\\u2E3A\\u2E3B\\u2E40\\u301C\\u3030\\u30A0\\uFE31\\uFE32\\uFE58\\uFE63\\uFF0D]+", "-"),
      Sub.of("[`\u00b4\u00ab\u00bb\u201c\u201d\u00a8]", "\""),
      Sub.of("[\u2018\u2019]", "'"),
      Sub.of("&quot;?", ""),
      Sub.of("&amp", ""),
      Sub.of("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}", " "),
      Sub.of("\\d:\\d\\d\\s+$", ""),
      Sub.of("\\\\n", " "),
      Sub.of("#\\d{1,3}\\b", ""),
      Sub.of("#\\d{5,}\\b", ""),
      Sub.of("\\b\\d{6,}\\b", ""),
      Sub.of("[\\S]+\\.(?:png|jpg|jpeg|bmp|webp|eps|pdf|apk|mp4)", ""),
      Sub.of("[\"']{2,}", "\""),
      Sub.of("[.]{2,}", " "),
      // BAD_PUNCT_REGEX
      Sub.of("[#\u00ae\u2022\u00a9\u2122&@\u00b7\u00ba\u00bd\u00be\u00bf\u00a1\u00a7~)(\\]\\[}{|\\\\/*]{1,}", " "),
      Sub.of("\\s+\\.\\s+", " "));

  private static final Pattern DASH_OR_UNDERSCORE = Pattern.compile("(?:-|_)", FLAGS);

  private static final List<Sub> AFTER_BASIC_CLEAN = List.of(
      Sub.of("\\b[a-zA-Z]{1,3}\\d{3,15}\\b", ""),
      Sub.of("\\b[a-zA-Z]+\\d+[a-zA-Z]+\\b", ""),
      Sub.of("\\b\\d+[a-zA-Z]+\\d+\\b", ""),
      Sub.of("(worldwide\\s+)?(free\\s+)?shipping", ""),
      Sub.of("(free\\s)?download(\\sfree)?", ""),
      Sub.of("\\bclick\\b\\s(?:for|on)\\s\\w+", ""),
      Sub.of("\\b(?:png|jpg|jpeg|bmp|webp|eps|pdf|apk|mp4)(\\simage[s]?)?", ""),
      Sub.of("\\bpage\\s+\\d+\\b", ""),
      Sub.of("\\b\\d*[a-zA-Z]+\\d+[a-zA-Z]+\\d+[a-zA-Z\\d]*\\b", " "),
      Sub.of("\\b\\d+\\.?\\d*[x\u0445\u00d7]\\d+\\.?\\d*\\b", ""),
      Sub.of("\\b\\s+:\\s+", ": "),
      Sub.of("(\\D[,./])\\b", "$1 "),
      Sub.of("\\s+", " "),
      Sub.of("^[\"']([\\w\\W]+)[\"']$", "$1"),
      Sub.of("^['_,\\-:;]", ""),
      Sub.of("['_,\\-:+]$", ""),
      Sub.of("^\\.\\S+$", ""));

  private static final Pattern TAG = Pattern.compile("<(?:[a-zA-Z][^>]*|/[a-zA-Z][^>]*|![^>]*|\\?[^>]*)>");

  private CaptionCleaning() {}

  /** Open-Sora 1.2's {@code text_preprocessing}: {@link #cleanCaption} twice, as in its training. */
  public static String openSora(String text) {
    return cleanCaption(cleanCaption(text));
  }

  /** One pass of {@code clean_caption}. */
  public static String cleanCaption(String text) {
    String caption = unquotePlus(text);
    caption = PromptText.strip(caption).toLowerCase(Locale.ROOT);
    caption = caption.replace("<person>", "person");
    for (Sub s : URLS) {
      caption = s.apply(caption);
    }
    caption = htmlText(caption);
    for (Sub s : AFTER_HTML) {
      caption = s.apply(caption);
    }
    Matcher dashes = DASH_OR_UNDERSCORE.matcher(caption);
    int count = 0;
    while (dashes.find()) {
      count++;
    }
    if (count > 3) {
      caption = dashes.replaceAll(" ");
    }
    caption = PromptText.strip(HtmlEntities.unescape(HtmlEntities.unescape(caption))); // basic_clean without ftfy
    for (Sub s : AFTER_BASIC_CLEAN) {
      caption = s.apply(caption);
    }
    return PromptText.strip(caption);
  }

  /** BeautifulSoup(text, "html.parser").text, approximately: tags dropped, character references resolved. */
  static String htmlText(String text) {
    return HtmlEntities.unescape(TAG.matcher(text).replaceAll(""));
  }

  /**
   * Python's {@code urllib.parse.unquote_plus}: '+' to space, runs of {@code %XX} decoded as UTF-8
   * (malformed bytes become U+FFFD), a '%' not followed by two hex digits kept.
   */
  static String unquotePlus(String text) {
    String s = text.replace('+', ' ');
    if (s.indexOf('%') < 0) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int i = 0;
    while (i < s.length()) {
      if (s.charAt(i) == '%' && i + 2 < s.length() && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) {
        bytes.write(hex(s.charAt(i + 1)) * 16 + hex(s.charAt(i + 2)));
        i += 3;
        continue;
      }
      if (bytes.size() > 0) {
        out.append(new String(bytes.toByteArray(), StandardCharsets.UTF_8));
        bytes.reset();
      }
      out.append(s.charAt(i));
      i++;
    }
    if (bytes.size() > 0) {
      out.append(new String(bytes.toByteArray(), StandardCharsets.UTF_8));
    }
    return out.toString();
  }

  private static int hex(char c) {
    return Character.digit(c, 16) >= 0 && c < 128 ? Character.digit(c, 16) : -1;
  }
}
