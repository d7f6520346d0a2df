package dev.lemica.cache;

import dev.lemica.model.BlockStackCall;
import dev.lemica.schedule.Schedule;

/**
 * Computes exactly the steps of a {@link Schedule}, decided before sampling starts: LeMiCa's
 * calibrated schedules, uniform schedules, or any hand-written list. The decision is a host-side
 * lookup, so the reuse path never waits on the device.
 */
public final class StaticSchedulePolicy implements CachePolicy {
  private final Schedule schedule;
  private final String label;
  private final ReuseRule reuse;

  public StaticSchedulePolicy(Schedule schedule, String label) {
    this(schedule, label, ReuseRule.PLAIN);
  }

  private StaticSchedulePolicy(Schedule schedule, String label, ReuseRule reuse) {
    this.schedule = schedule;
    this.label = label;
    this.reuse = reuse;
  }

  /**
   * The same schedule with its reusing steps applying {@code rule}: how a schedule solved from
   * errors measured under a corrected reuse runs as it was optimised.
   */
  public StaticSchedulePolicy withReuse(ReuseRule rule) {
    return new StaticSchedulePolicy(schedule, label, rule);
  }

  public ReuseRule reuse() {
    return reuse;
  }

  public StaticSchedulePolicy(Schedule schedule) {
    this(schedule, "static");
  }

  public Schedule schedule() {
    return schedule;
  }

  @Override
  public String describe() {
    return label + " " + schedule.budget() + "/" + schedule.steps() + (reuse.equals(ReuseRule.PLAIN) ? "" : ", " + reuse.cliName() + " reuse");
  }

  @Override
  public ComputeDecider start(int steps) {
    if (steps != schedule.steps()) {
      throw new IllegalArgumentException(
          "the schedule is for " + schedule.steps() + " steps but sampling runs " + steps
              + " (retarget it, or sample with --steps " + schedule.steps() + ")");
    }
    if (reuse.equals(ReuseRule.PLAIN)) {
      return (step, context, hasResidual, call) -> schedule.computes(step);
    }
    ReuseRule onGrid = reuse.retarget(steps);
    return new ComputeDecider() {
      @Override
      public boolean shouldCompute(int step, String context, boolean hasResidual, BlockStackCall call) {
        return schedule.computes(step);
      }

      @Override
      public ReuseRule reuseRule() {
        return onGrid;
      }
    };
  }
}
