package dev.lemica.torch;

import dev.lemica.io.Warnings;

/**
 * JavaCPP's guard on the process's physical memory. By default JavaCPP refuses to wrap a new native
 * tensor once the resident set exceeds twice the JVM's maximum heap, and throws "Physical memory
 * usage is too high": with a default heap of a quarter of RAM that stops a real pipeline (a 5.7B
 * text encoder in bf16 is 11 GiB of native memory, memory-mapped weights count too) long before the
 * machine is full. LibTorch's memory is freed by its owners' scopes, not by the GC, so the guard buys
 * nothing here; the CLI lifts it and library users are told when it is still in force.
 */
public final class NativeMemoryLimit {
  static final String PROPERTY = "org.bytedeco.javacpp.maxPhysicalBytes";
  private static boolean checked;

  private NativeMemoryLimit() {}

  /**
   * Lifts the guard unless the user set it. Effective only before JavaCPP's {@code Pointer} class
   * initialises, so entry points call it first.
   */
  public static void lift() {
    if (System.getProperty(PROPERTY) == null) {
      System.setProperty(PROPERTY, "0");
    }
  }

  /**
   * Warns once when the guard is in force below the machine's memory (JavaCPP was initialised
   * before {@link #lift}, or the user set a limit), naming the flag that lifts it.
   */
  public static synchronized void warnIfLimited() {
    if (checked) {
      return;
    }
    checked = true;
    long limit = org.bytedeco.javacpp.Pointer.maxPhysicalBytes();
    long total = org.bytedeco.javacpp.Pointer.totalPhysicalBytes();
    if (limit > 0 && (total <= 0 || limit < total)) {
      Warnings.warn(String.format(java.util.Locale.ROOT,
          "JavaCPP stops native allocations at %.1f GiB of resident memory (%s); a real pipeline needs more: "
              + "start Java with -D%s=0",
          limit / (double) (1L << 30), PROPERTY, PROPERTY));
    }
  }
}
