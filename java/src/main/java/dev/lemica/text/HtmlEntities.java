package dev.lemica.text;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jsoup.nodes.Entities;

/**
 * Python's {@code html.unescape}, rule for rule: the same reference pattern, numeric references
 * mapped as HTML5 says (C1 controls read as windows-1252, surrogates and out-of-range code points to
 * U+FFFD, noncharacters and most controls dropped), named references from the HTML5 table (jsoup's
 * copy of it), the legacy names also without their semicolon, and a name that is no entity read as
 * its longest legacy prefix ({@code &notit;} → {@code ¬it;}).
 */
public final class HtmlEntities {
  private static final Pattern REFERENCE =
      Pattern.compile("&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\\t\\n\\f <&#;]{1,32};?)");
  private static final Charset WINDOWS_1252 = Charset.forName("windows-1252");

  private HtmlEntities() {}

  public static String unescape(String s) {
    if (s.indexOf('&') < 0) {
      return s;
    }
    Matcher m = REFERENCE.matcher(s);
    StringBuilder out = new StringBuilder(s.length());
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(replace(m.group(1))));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static String replace(String ref) {
    if (ref.charAt(0) == '#') {
      return numeric(ref);
    }
    if (ref.endsWith(";") && Entities.isNamedEntity(ref.substring(0, ref.length() - 1))) {
      return Entities.getByName(ref.substring(0, ref.length() - 1));
    }
    if (!ref.endsWith(";") && Entities.isBaseNamedEntity(ref)) {
      return Entities.getByName(ref);
    }
    // Only the legacy names stand without a semicolon, so only they can be a prefix.
    for (int x = ref.length() - 1; x > 1; x--) {
      String prefix = ref.substring(0, x);
      if (Entities.isBaseNamedEntity(prefix)) {
        return Entities.getByName(prefix) + ref.substring(x);
      }
    }
    return "&" + ref;
  }

  private static String numeric(String ref) {
    boolean hex = ref.charAt(1) == 'x' || ref.charAt(1) == 'X';
    String digits = ref.substring(hex ? 2 : 1).replace(";", "");
    java.math.BigInteger big = new java.math.BigInteger(digits, hex ? 16 : 10);
    if (big.compareTo(java.math.BigInteger.valueOf(0x10FFFF)) > 0) {
      return "\uFFFD";
    }
    int cp = big.intValue();
    if (cp == 0) {
      return "\uFFFD";
    }
    if (cp == 0x0D) {
      return "\r";
    }
    if (cp >= 0x80 && cp <= 0x9F) {
      // HTML5 reads C1 references as windows-1252 bytes; its five undefined bytes stay themselves.
      String decoded = WINDOWS_1252.decode(ByteBuffer.wrap(new byte[] {(byte) cp})).toString();
      return decoded.equals("\uFFFD") ? String.valueOf((char) cp) : decoded;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) {
      return "\uFFFD";
    }
    if (dropped(cp)) {
      return "";
    }
    return new String(Character.toChars(cp));
  }

  /** Python's {@code _invalid_codepoints}: controls other than tab, newline, form feed and CR, and the noncharacters. */
  private static boolean dropped(int cp) {
    return (cp >= 0x1 && cp <= 0x8) || cp == 0xB || (cp >= 0xE && cp <= 0x1F) || (cp >= 0x7F && cp <= 0x9F)
        || (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
  }
}
