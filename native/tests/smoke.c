/* C smoke test of the API (ctest): CPU results on a few values, error codes, and that the CUDA
 * path either works or fails with a message (never crashes) on a machine without a GPU. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lemica_kernels.h"

static int failures = 0;
#define EXPECT(cond)                                              \
  do {                                                            \
    if (!(cond)) {                                                \
      fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                 \
    }                                                             \
  } while (0)

int main(void) {
  float after[5] = {1.5f, -2.0f, 3.25f, 0.0f, 1e-3f};
  float before[5] = {0.5f, 1.0f, -0.25f, 0.0f, 2e-3f};
  float residual[5], rebuilt[5], mae[1];
  EXPECT(lemica_residual_store(residual, after, before, 5, LEMICA_DTYPE_FLOAT32, LEMICA_DEVICE_CPU, NULL) == 0);
  EXPECT(lemica_residual_apply(rebuilt, before, residual, 5, LEMICA_DTYPE_FLOAT32, LEMICA_DEVICE_CPU, NULL) == 0);
  for (int i = 0; i < 5; i++) {
    EXPECT(residual[i] == after[i] - before[i]);
    EXPECT(rebuilt[i] == before[i] + residual[i]);
  }
  EXPECT(lemica_mean_abs_error(mae, after, before, 1, 5, LEMICA_DTYPE_FLOAT32, LEMICA_DEVICE_CPU, NULL) == 0);
  EXPECT(fabsf(mae[0] - (1.0f + 3.0f + 3.5f + 0.0f + 1e-3f) / 5) < 1e-6f);

  /* bf16: 1.0 (0x3F80) + 2^-8 (0x3B80) = 1.00390625, a tie between 0x3F80 and 0x3F81: even wins. */
  unsigned short x[1] = {0x3F80}, y[1] = {0x3B80}, z[1];
  EXPECT(lemica_residual_apply(z, x, y, 1, LEMICA_DTYPE_BFLOAT16, LEMICA_DEVICE_CPU, NULL) == 0);
  EXPECT(z[0] == 0x3F80);

  EXPECT(lemica_residual_store(residual, after, before, 5, 7, LEMICA_DEVICE_CPU, NULL) == LEMICA_ERR_UNSUPPORTED_DTYPE);
  EXPECT(strstr(lemica_last_error(), "dtype") != NULL);
  EXPECT(lemica_residual_store(residual, after, before, -1, 0, LEMICA_DEVICE_CPU, NULL) == LEMICA_ERR_INVALID_ARGUMENT);
  EXPECT(lemica_residual_store(residual, after, before, 5, 0, 9, NULL) == LEMICA_ERR_UNSUPPORTED_DEVICE);
  int rc = lemica_residual_store(residual, after, before, 5, 0, LEMICA_DEVICE_CUDA, NULL);
  if (lemica_cuda_compiled()) {
    /* Host memory is never CUDA device memory: refused with a message, with or without a GPU. */
    EXPECT(rc == LEMICA_ERR_CUDA || rc == LEMICA_ERR_INVALID_ARGUMENT);
  } else {
    EXPECT(rc == LEMICA_ERR_CUDA_NOT_COMPILED);
  }
  printf("lemica %s, cuda compiled %d, nvtx compiled %d; CUDA call on host memory: %d (%s)\n",
         lemica_version(), lemica_cuda_compiled(), lemica_nvtx_compiled(), rc, lemica_last_error());
  lemica_nvtx_push("smoke"); /* no tool attached: returns a negative number */
  lemica_nvtx_pop();
  return failures == 0 ? 0 : 1;
}
