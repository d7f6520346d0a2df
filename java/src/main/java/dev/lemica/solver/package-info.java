/**
 * The LeMiCa schedule solver.
 *
 * <p>Steps 0..T-1 are nodes; an edge i-&gt;j (i &lt; j) means "compute at i and j, reuse i's
 * residual at i+1..j-1" and costs the measured error w(i,j) of an {@link
 * dev.lemica.solver.ErrorMatrix}. A schedule with budget B is a path 0 -&gt; T-1 through exactly B
 * nodes. {@link dev.lemica.solver.ScheduleSolver} finds the optimal path exactly under an {@link
 * dev.lemica.solver.Objective} (LeMiCa's lexicographic minimax, min-sum, or min-max then min-sum),
 * for one budget or for every budget at once ({@link dev.lemica.solver.AllBudgets}).
 *
 * <p>Ties are broken deterministically: among equally good paths the one with the lexicographically
 * smallest list of computed steps wins (it computes earliest at the first step where they differ).
 *
 * <p>Errors are compared exactly: doubles as they are for the minimax objectives (through their
 * ranks), and exact real sums (no rounding) for the sum objectives.
 */
package dev.lemica.solver;
