package dev.lemica.text;

/** Prompt clean-ups that pipelines apply before tokenizing. */
public final class PromptText {
  private PromptText() {}

  /**
   * diffusers' WanPipeline {@code prompt_clean}: {@code basic_clean} (ftfy.fix_text when ftfy is
   * installed, then html.unescape twice, then strip) followed by {@code whitespace_clean} (runs of
   * whitespace to one space, strip).
   *
   * <p>ftfy is not applied: there is no Java port of it. It only repairs mojibake (UTF-8 read as
   * Latin-1 and the like) and a few typographic forms, so prompts typed as intended come out as
   * diffusers makes them on a machine without ftfy, which diffusers allows ("if
   * is_ftfy_available()"). {@code html.unescape} is {@link HtmlEntities#unescape}; whitespace is
   * Python's ({@code str.isspace}, what {@code \s} and {@code strip()} use on str).
   */
  public static String cleanWan(String text) {
    return collapseWhitespace(strip(HtmlEntities.unescape(HtmlEntities.unescape(text))));
  }

  /** Python's {@code re.sub(r"\s+", " ", text).strip()}. */
  public static String collapseWhitespace(String text) {
    StringBuilder out = new StringBuilder(text.length());
    boolean inRun = false;
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      if (isSpace(cp)) {
        if (!inRun) {
          out.append(' ');
        }
        inRun = true;
      } else {
        out.appendCodePoint(cp);
        inRun = false;
      }
      i += Character.charCount(cp);
    }
    return strip(out.toString());
  }

  /** Python's {@code str.strip()}. */
  public static String strip(String text) {
    int from = 0;
    int to = text.length();
    while (from < to && isSpace(text.codePointAt(from))) {
      from += Character.charCount(text.codePointAt(from));
    }
    while (to > from && isSpace(text.codePointBefore(to))) {
      to -= Character.charCount(text.codePointBefore(to));
    }
    return text.substring(from, to);
  }

  /** Python's {@code str.isspace} for one character: bidirectional class WS, B or S, or category Zs. */
  public static boolean isSpace(int cp) {
    if (Character.getType(cp) == Character.SPACE_SEPARATOR) {
      return true;
    }
    byte d = Character.getDirectionality(cp);
    return d == Character.DIRECTIONALITY_WHITESPACE
        || d == Character.DIRECTIONALITY_PARAGRAPH_SEPARATOR
        || d == Character.DIRECTIONALITY_SEGMENT_SEPARATOR;
  }
}
