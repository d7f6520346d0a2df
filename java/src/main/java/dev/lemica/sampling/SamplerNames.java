package dev.lemica.sampling;

import dev.lemica.io.Warnings;

/**
 * Sampler names as provenance records them ({@link Sampler#describe()}: a scheduler class and its
 * settings in parentheses), and the check made when a schedule or an errors file is applied: edge
 * errors measured under one sampler describe that sampler's trajectories, so applying them under
 * another runs, with a warning.
 */
public final class SamplerNames {
  private SamplerNames() {}

  /** The scheduler class of a description: what precedes its settings. */
  public static String className(String description) {
    int open = description.indexOf('(');
    return (open < 0 ? description : description.substring(0, open)).trim();
  }

  /**
   * Whether a recorded sampler is the one a run uses: the same description, or a bare name (files
   * written before samplers described their settings) naming the run's scheduler class.
   */
  public static boolean matches(String recorded, String actual) {
    if (recorded == null || actual == null || recorded.equals(actual)) {
      return true;
    }
    return recorded.indexOf('(') < 0 && recorded.trim().equals(className(actual));
  }

  /** One warning line when {@code file}, made under {@code recorded}, is applied to a run of {@code actual}. */
  public static void warnIfOther(String file, String recorded, String actual) {
    if (!matches(recorded, actual)) {
      Warnings.warn(file + " was made under the sampler " + recorded + "; this run samples with " + actual
          + ", so its errors may not describe this run");
    }
  }
}
