package dev.lemica.solver;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The optimal schedule for every budget B = 2..T under one objective, from one solver call: users
 * choose B from the error-versus-budget curve. Budgets with no feasible path (max skip too short,
 * edges unmeasured) have no schedule.
 */
public final class AllBudgets {
  private final ErrorMatrix matrix;
  private final Objective objective;
  private final SolvedSchedule[] byBudget; // index B; null when infeasible

  AllBudgets(ErrorMatrix matrix, Objective objective, SolvedSchedule[] byBudget) {
    this.matrix = matrix;
    this.objective = objective;
    this.byBudget = byBudget;
  }

  public int steps() {
    return matrix.steps();
  }

  public Objective objective() {
    return objective;
  }

  /** The optimal schedule computing exactly {@code budget} steps, if one exists. */
  public Optional<SolvedSchedule> forBudget(int budget) {
    return budget >= 0 && budget < byBudget.length ? Optional.ofNullable(byBudget[budget]) : Optional.empty();
  }

  /** Like {@link #forBudget} but an infeasible or out-of-range budget is a one-line error. */
  public SolvedSchedule get(int budget) {
    return forBudget(budget).orElseThrow(() -> ScheduleSolver.infeasible(matrix, budget));
  }

  /** Feasible budgets in increasing order. */
  public int[] feasibleBudgets() {
    return schedules().stream().mapToInt(s -> s.schedule().budget()).toArray();
  }

  /** The schedules of all feasible budgets, by increasing budget. */
  public List<SolvedSchedule> schedules() {
    List<SolvedSchedule> out = new ArrayList<>();
    for (SolvedSchedule s : byBudget) {
      if (s != null) {
        out.add(s);
      }
    }
    return Collections.unmodifiableList(out);
  }
}
