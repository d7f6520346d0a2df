// CUDA per-sample mean absolute error, a two-level reduction with float accumulation:
//   1. grid (blocks_per_sample, samples): each block sums |a - b| over a grid-stride share of its
//      sample (128-bit loads where alignment allows) and writes one partial sum;
//   2. one block per sample adds its partials in a fixed order and divides by the sample size.
// Deterministic (no atomics). The partials live in stream-ordered memory (cudaMallocAsync /
// cudaFreeAsync on the caller's stream), so nothing synchronises with the host. With one block
// per sample, or on devices without memory pools, level 1 writes the means directly.
#include <atomic>
#include <cmath>

#include "common.cuh"
#include "reduce.cuh"

namespace lemica {
namespace cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kMaxBlocksPerSample = 1024;
constexpr unsigned kMaxGridY = 65535;

std::atomic<int> pools_supported[64];  // 0 unknown, 1 yes, 2 no

bool memory_pools(int device) {
  if (device < 0 || device >= 64) return false;
  int known = pools_supported[device].load(std::memory_order_relaxed);
  if (known == 0) {
    int value = 0;
    if (cudaDeviceGetAttribute(&value, cudaDevAttrMemoryPoolsSupported, device) != cudaSuccess) {
      cudaGetLastError();
      value = 0;
    }
    known = value ? 1 : 2;
    pools_supported[device].store(known, std::memory_order_relaxed);
  }
  return known == 1;
}

template <typename E>
__global__ void __launch_bounds__(kThreads)
    partial_kernel(float* partial, float* out, const typename E::storage* a,
                   const typename E::storage* b, int64_t batch, int64_t per_sample,
                   bool vectorised) {
  using P = Pack<E>;
  using S = typename E::storage;
  __shared__ float scratch[33];
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  const int64_t first = int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  const int64_t vectors = vectorised ? per_sample / P::kCount : 0;
  for (int64_t s = blockIdx.y; s < batch; s += gridDim.y) {
    const S* as = a + s * per_sample;
    const S* bs = b + s * per_sample;
    float acc = 0.0f;
    for (int64_t v = first; v < vectors; v += stride) {
      P pa, pb;
      pa.vector = reinterpret_cast<const uint4*>(as)[v];
      pb.vector = reinterpret_cast<const uint4*>(bs)[v];
#pragma unroll
      for (int k = 0; k < P::kCount; ++k) acc += fabsf(E::load(pa.e[k]) - E::load(pb.e[k]));
    }
    for (int64_t i = vectors * P::kCount + first; i < per_sample; i += stride) {
      acc += fabsf(E::load(as[i]) - E::load(bs[i]));
    }
    const float total = block_sum(acc, scratch);
    if (threadIdx.x == 0) {
      if (partial != nullptr) {
        partial[s * gridDim.x + blockIdx.x] = total;
      } else {
        out[s] = static_cast<float>(static_cast<double>(total) / static_cast<double>(per_sample));
      }
    }
  }
}

__global__ void __launch_bounds__(kThreads)
    finish_kernel(float* out, const float* partial, int64_t batch, int blocks_per_sample,
                  int64_t per_sample) {
  __shared__ float scratch[33];
  for (int64_t s = blockIdx.x; s < batch; s += gridDim.x) {
    float acc = 0.0f;
    for (int k = threadIdx.x; k < blocks_per_sample; k += blockDim.x) {
      acc += partial[s * blocks_per_sample + k];
    }
    const float total = block_sum(acc, scratch);
    if (threadIdx.x == 0) {
      out[s] = static_cast<float>(static_cast<double>(total) / static_cast<double>(per_sample));
    }
  }
}

__global__ void fill_nan_kernel(float* out, int64_t batch) {
  for (int64_t s = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; s < batch;
       s += int64_t{gridDim.x} * blockDim.x) {
    out[s] = __int_as_float(0x7fc00000);
  }
}

template <typename E>
int launch(float* out, const void* a, const void* b, int64_t batch, int64_t per_sample,
           void* stream) {
  const char* what = "lemica_mean_abs_error";
  DeviceScope scope;
  int rc = scope.open(out, what);
  if (rc != LEMICA_OK) return rc;
  cudaStream_t s = as_stream(stream);
  const int device = scope.device();
  if (per_sample == 0) {
    fill_nan_kernel<<<grid_for(batch, kThreads, device), kThreads, 0, s>>>(out, batch);
    return check(cudaGetLastError(), what);
  }
  using S = typename E::storage;
  constexpr int K = Pack<E>::kCount;
  const bool vectorised =
      aligned16(a) && aligned16(b) && (per_sample * static_cast<int64_t>(sizeof(S))) % 16 == 0;
  // Enough blocks in all to fill the device ~8 times over, no more than a sample's work needs.
  const int64_t items = vectorised ? per_sample / K + per_sample % K : per_sample;
  int64_t wanted = (int64_t{sm_count(device)} * 8 + batch - 1) / batch;
  int64_t needed = (items + kThreads - 1) / kThreads;
  int64_t blocks = wanted < needed ? wanted : needed;
  if (blocks > kMaxBlocksPerSample) blocks = kMaxBlocksPerSample;
  if (blocks < 1) blocks = 1;
  if (blocks > 1 && !memory_pools(device)) blocks = 1;
  const unsigned grid_y = static_cast<unsigned>(batch < kMaxGridY ? batch : kMaxGridY);
  const dim3 grid(static_cast<unsigned>(blocks), grid_y);
  if (blocks == 1) {
    partial_kernel<E><<<grid, kThreads, 0, s>>>(nullptr, out, static_cast<const S*>(a),
                                                static_cast<const S*>(b), batch, per_sample,
                                                vectorised);
    return check(cudaGetLastError(), what);
  }
  float* partial = nullptr;
  rc = check(cudaMallocAsync(reinterpret_cast<void**>(&partial),
                             static_cast<size_t>(batch * blocks) * sizeof(float), s),
             "lemica_mean_abs_error (workspace)");
  if (rc != LEMICA_OK) return rc;
  partial_kernel<E><<<grid, kThreads, 0, s>>>(partial, out, static_cast<const S*>(a),
                                              static_cast<const S*>(b), batch, per_sample,
                                              vectorised);
  rc = check(cudaGetLastError(), what);
  if (rc == LEMICA_OK) {
    finish_kernel<<<grid_y, kThreads, 0, s>>>(out, partial, batch, static_cast<int>(blocks),
                                              per_sample);
    rc = check(cudaGetLastError(), what);
  }
  cudaError_t freed = cudaFreeAsync(partial, s);
  return rc != LEMICA_OK ? rc : check(freed, "lemica_mean_abs_error (workspace)");
}

}  // namespace

int mean_abs_error(float* out, const void* a, const void* b, int64_t batch, int64_t per_sample,
                   int dtype, void* stream) {
  switch (dtype) {
    case LEMICA_DTYPE_FLOAT32: return launch<Fp32>(out, a, b, batch, per_sample, stream);
    case LEMICA_DTYPE_BFLOAT16: return launch<Bf16>(out, a, b, batch, per_sample, stream);
    case LEMICA_DTYPE_FLOAT16: return launch<Fp16>(out, a, b, batch, per_sample, stream);
    default:
      return fail(LEMICA_ERR_UNSUPPORTED_DTYPE, "lemica_mean_abs_error: unsupported dtype %d",
                  dtype);
  }
}

}  // namespace cuda
}  // namespace lemica
