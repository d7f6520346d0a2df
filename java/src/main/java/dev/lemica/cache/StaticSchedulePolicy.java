package dev.lemica.cache;

import dev.lemica.schedule.Schedule;

/**
 * Computes exactly the steps of a {@link Schedule}, decided before sampling starts: LeMiCa's
 * calibrated schedules, uniform schedules, or any hand-written list. The decision is a host-side
 * lookup, so the reuse path never waits on the device.
 */
public final class StaticSchedulePolicy implements CachePolicy {
  private final Schedule schedule;
  private final String label;

  public StaticSchedulePolicy(Schedule schedule, String label) {
    this.schedule = schedule;
    this.label = label;
  }

  public StaticSchedulePolicy(Schedule schedule) {
    this(schedule, "static");
  }

  public Schedule schedule() {
    return schedule;
  }

  @Override
  public String describe() {
    return label + " " + schedule.budget() + "/" + schedule.steps();
  }

  @Override
  public ComputeDecider start(int steps) {
    if (steps != schedule.steps()) {
      throw new IllegalArgumentException(
          "the schedule is for " + schedule.steps() + " steps but sampling runs " + steps
              + " (retarget it, or sample with --steps " + schedule.steps() + ")");
    }
    return (step, context, hasResidual, call) -> schedule.computes(step);
  }
}
