package dev.lemica.solver;

import java.util.Arrays;
import java.util.stream.Collectors;

/** What "best path" means. All three are solved exactly over the same layered search. */
public enum Objective {
  /**
   * LeMiCa's objective: the edge errors sorted in decreasing order are lexicographically smallest
   * (smallest worst edge, then smallest second worst, ...).
   */
  LEX_MINIMAX("lex-minimax"),
  /** Smallest total error, summed exactly (no rounding) over the path's edges. */
  MIN_SUM("min-sum"),
  /** Smallest worst edge; among those paths, smallest exact total error. */
  MINIMAX_SUM("minimax-sum");

  private final String cliName;

  Objective(String cliName) {
    this.cliName = cliName;
  }

  /** The name used on the command line and in schedule files. */
  public String cliName() {
    return cliName;
  }

  public static Objective fromName(String name) {
    for (Objective o : values()) {
      if (o.cliName.equals(name)) {
        return o;
      }
    }
    throw new IllegalArgumentException("unknown objective '" + name + "'; expected one of " + names());
  }

  public static String names() {
    return Arrays.stream(values()).map(Objective::cliName).collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return cliName;
  }
}
