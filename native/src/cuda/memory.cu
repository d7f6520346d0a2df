// Device memory figures for benchmarks: what the caching allocators leave free, and the peak.
#include <cuda_runtime.h>

#include "common.cuh"

extern "C" int lemica_cuda_memory(int device, int64_t* free_bytes, int64_t* total_bytes) {
  int previous = 0;
  if (cudaGetDevice(&previous) != cudaSuccess || cudaSetDevice(device) != cudaSuccess) {
    return lemica::fail(LEMICA_ERR_CUDA, "lemica_cuda_memory: no CUDA device %d", device);
  }
  size_t f = 0;
  size_t t = 0;
  cudaError_t e = cudaMemGetInfo(&f, &t);
  cudaSetDevice(previous);
  if (e != cudaSuccess) {
    return lemica::fail(LEMICA_ERR_CUDA, "lemica_cuda_memory: %s", cudaGetErrorString(e));
  }
  *free_bytes = (int64_t)f;
  *total_bytes = (int64_t)t;
  return LEMICA_OK;
}
