package dev.lemica.schedule;

/**
 * Moves a schedule to another number of steps on the normalised time axis, so that a schedule
 * solved for 50 steps can drive a 30- or 80-step run.
 *
 * <p><b>Rule.</b> With T steps before and T' after, computed step s maps to round(s * (T'-1) /
 * (T-1)), rounding halves up, in exact integer arithmetic; the first step maps to 0 and the last to
 * T'-1. The budget B (the compute cost) is kept whenever B &lt;= T':
 *
 * <ol>
 *   <li>when several steps land on the same target (only when shrinking), each later one is pushed
 *       to the next free step (forward pass: c'_k = max(m_k, c'_{k-1} + 1));
 *   <li>steps pushed past the end are pulled back in front of the last step (backward pass: c'_k =
 *       min(c'_k, c'_{k+1} - 1), starting from c'_{B-1} = T'-1).
 * </ol>
 *
 * When B &gt; T' the run is too short to hold the budget and every step computes (budget T'). When
 * growing (T' &gt;= T) no two steps collide, and retargeting back to T returns the original
 * schedule exactly, since each mapped step is within half a step of the original position.
 */
public final class Retarget {
  private Retarget() {}

  public static Schedule toSteps(Schedule schedule, int newSteps) {
    if (newSteps < 1) {
      throw new IllegalArgumentException("cannot retarget to " + newSteps + " steps");
    }
    int steps = schedule.steps();
    if (newSteps == steps) {
      return schedule;
    }
    if (newSteps == 1) {
      return Schedule.of(1, 0);
    }
    if (steps == 1) {
      return Schedule.of(newSteps, 0, newSteps - 1); // first and last are always computed
    }
    int budget = schedule.budget();
    if (budget >= newSteps) {
      return Schedule.full(newSteps);
    }
    int[] c = schedule.computedSteps();
    long num = newSteps - 1L;
    long den = steps - 1L;
    int[] out = new int[budget];
    for (int k = 0; k < budget; k++) {
      int target = (int) ((2 * c[k] * num + den) / (2 * den)); // round half up, exactly
      out[k] = k == 0 ? target : Math.max(target, out[k - 1] + 1);
    }
    out[budget - 1] = newSteps - 1;
    for (int k = budget - 2; k >= 0; k--) {
      out[k] = Math.min(out[k], out[k + 1] - 1);
    }
    return Schedule.of(newSteps, out);
  }
}
