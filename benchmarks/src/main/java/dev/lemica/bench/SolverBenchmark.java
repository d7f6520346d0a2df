package dev.lemica.bench;

import dev.lemica.solver.AllBudgets;
import dev.lemica.solver.ErrorMatrix;
import dev.lemica.solver.Objective;
import dev.lemica.solver.ScheduleSolver;
import dev.lemica.solver.SolvedSchedule;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Schedule solver targets: T=50, L=12 one budget &lt; 1 ms and all budgets &lt; 20 ms; T=1000,
 * L=100, B=400 &lt; 1 s. The matrix is built in setup; only solving is timed.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SolverBenchmark {

  @State(Scope.Benchmark)
  public static class Small {
    @Param({"early-heavy", "random", "late-heavy", "stationary"})
    public String shape;

    @Param({"lex-minimax", "min-sum", "minimax-sum"})
    public String objective;

    ErrorMatrix matrix;
    Objective goal;

    @Setup
    public void setup() {
      matrix = BenchMatrices.of(shape, 50, 12);
      goal = Objective.fromName(objective);
    }
  }

  @State(Scope.Benchmark)
  public static class Large {
    @Param({"early-heavy", "random", "late-heavy", "stationary"})
    public String shape;

    @Param({"lex-minimax", "min-sum", "minimax-sum"})
    public String objective;

    ErrorMatrix matrix;
    Objective goal;

    @Setup
    public void setup() {
      matrix = BenchMatrices.of(shape, 1000, 100);
      goal = Objective.fromName(objective);
    }
  }

  /** T=50, L=12, B=20. */
  @Benchmark
  public SolvedSchedule solverT50OneBudget(Small s) {
    return ScheduleSolver.solve(s.matrix, 20, s.goal);
  }

  /** T=50, L=12, every budget 2..50. */
  @Benchmark
  public AllBudgets solverT50AllBudgets(Small s) {
    return ScheduleSolver.solveAllBudgets(s.matrix, s.goal);
  }

  /** T=1000, L=100, B=400. */
  @Benchmark
  public SolvedSchedule solverT1000B400(Large s) {
    return ScheduleSolver.solve(s.matrix, 400, s.goal);
  }
}
