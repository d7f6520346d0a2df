// Block-wide float sum for the CUDA kernels.
#ifndef LEMICA_CUDA_REDUCE_CUH
#define LEMICA_CUDA_REDUCE_CUH

namespace lemica {
namespace cuda {

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(0xffffffffu, v, offset);
  return v;
}

// Sum of v over the block, returned to every thread. blockDim.x must be a multiple of 32;
// scratch holds 33 floats of shared memory. The order of additions is fixed: deterministic.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
  v = warp_sum(v);
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  if (warp == 0) {
    const int warps = blockDim.x >> 5;
    float w = lane < warps ? scratch[lane] : 0.0f;
    w = warp_sum(w);
    if (lane == 0) scratch[32] = w;
  }
  __syncthreads();
  const float total = scratch[32];
  __syncthreads();  // scratch is free again for the next call
  return total;
}

}  // namespace cuda
}  // namespace lemica

#endif
