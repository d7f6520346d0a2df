package dev.lemica.sampling;

/**
 * A float32 solve of a small dense system, as LAPACK's sgesv does it (LU with partial pivoting,
 * multipliers scaled by the pivot's reciprocal, then forward and back substitution): the UniPC ρ
 * coefficients come from torch.linalg.solve on float32 matrices of order 2 or 3.
 */
final class SmallSolve {
  private SmallSolve() {}

  static float[] solve(float[][] matrix, float[] rhs) {
    int n = rhs.length;
    float[][] a = new float[n][];
    for (int i = 0; i < n; i++) {
      a[i] = matrix[i].clone();
    }
    float[] x = rhs.clone();
    for (int j = 0; j < n; j++) {
      int pivot = j;
      for (int i = j + 1; i < n; i++) {
        if (Math.abs(a[i][j]) > Math.abs(a[pivot][j])) {
          pivot = i;
        }
      }
      if (a[pivot][j] == 0) {
        throw new ArithmeticException("singular " + n + "x" + n + " UniPC system");
      }
      float[] row = a[pivot];
      a[pivot] = a[j];
      a[j] = row;
      float b = x[pivot];
      x[pivot] = x[j];
      x[j] = b;
      float reciprocal = 1f / a[j][j];
      for (int i = j + 1; i < n; i++) {
        a[i][j] *= reciprocal;
        for (int k = j + 1; k < n; k++) {
          a[i][k] -= a[i][j] * a[j][k];
        }
      }
    }
    for (int j = 0; j < n; j++) {
      for (int i = j + 1; i < n; i++) {
        x[i] -= a[i][j] * x[j];
      }
    }
    for (int j = n - 1; j >= 0; j--) {
      x[j] /= a[j][j];
      for (int i = 0; i < j; i++) {
        x[i] -= x[j] * a[i][j];
      }
    }
    return x;
  }
}
