// CUDA residual store (after - before) and apply (before + residual): grid-stride loops, 128-bit
// loads and stores where all three buffers are 16-byte aligned, float arithmetic, one rounding.
#include <atomic>

#include "common.cuh"

namespace lemica {
namespace cuda {

namespace {
std::atomic<int> sm_counts[64];
}

int sm_count(int device) {
  if (device < 0 || device >= 64) return 132;
  int n = sm_counts[device].load(std::memory_order_relaxed);
  if (n == 0) {
    if (cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, device) != cudaSuccess || n <= 0) {
      cudaGetLastError();
      n = 132;
    }
    sm_counts[device].store(n, std::memory_order_relaxed);
  }
  return n;
}

namespace {

constexpr int kThreads = 256;

template <bool Subtract>
__device__ __forceinline__ float op(float a, float b) {
  return Subtract ? a - b : a + b;
}

// out[i] = x[i] -/+ y[i]. The first `vectors` packs go through 128-bit accesses (only when the
// caller found all three buffers aligned), the rest element by element.
template <typename E, bool Subtract>
__global__ void __launch_bounds__(kThreads)
    binary_kernel(typename E::storage* out, const typename E::storage* x,
                  const typename E::storage* y, int64_t n, int64_t vectors) {
  using P = Pack<E>;
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  const int64_t first = int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  for (int64_t v = first; v < vectors; v += stride) {
    P a, b, r;
    a.vector = reinterpret_cast<const uint4*>(x)[v];
    b.vector = reinterpret_cast<const uint4*>(y)[v];
#pragma unroll
    for (int k = 0; k < P::kCount; ++k) {
      r.e[k] = E::store(op<Subtract>(E::load(a.e[k]), E::load(b.e[k])));
    }
    reinterpret_cast<uint4*>(out)[v] = r.vector;
  }
  for (int64_t i = vectors * P::kCount + first; i < n; i += stride) {
    out[i] = E::store(op<Subtract>(E::load(x[i]), E::load(y[i])));
  }
}

template <typename E, bool Subtract>
int launch(void* out, const void* x, const void* y, int64_t n, void* stream, const char* what) {
  DeviceScope scope;
  int rc = scope.open(out, what);
  if (rc != LEMICA_OK) return rc;
  using S = typename E::storage;
  constexpr int K = Pack<E>::kCount;
  const bool vectorised = aligned16(out) && aligned16(x) && aligned16(y);
  const int64_t vectors = vectorised ? n / K : 0;
  const int64_t work = vectorised ? vectors + (n - vectors * K) : n;
  binary_kernel<E, Subtract><<<grid_for(work, kThreads, scope.device()), kThreads, 0,
                               as_stream(stream)>>>(static_cast<S*>(out), static_cast<const S*>(x),
                                                    static_cast<const S*>(y), n, vectors);
  return check(cudaGetLastError(), what);
}

template <bool Subtract>
int dispatch(void* out, const void* x, const void* y, int64_t n, int dtype, void* stream,
             const char* what) {
  switch (dtype) {
    case LEMICA_DTYPE_FLOAT32: return launch<Fp32, Subtract>(out, x, y, n, stream, what);
    case LEMICA_DTYPE_BFLOAT16: return launch<Bf16, Subtract>(out, x, y, n, stream, what);
    case LEMICA_DTYPE_FLOAT16: return launch<Fp16, Subtract>(out, x, y, n, stream, what);
    default: return fail(LEMICA_ERR_UNSUPPORTED_DTYPE, "%s: unsupported dtype %d", what, dtype);
  }
}

}  // namespace

int residual_store(void* residual, const void* after, const void* before, int64_t n, int dtype,
                   void* stream) {
  return dispatch<true>(residual, after, before, n, dtype, stream, "lemica_residual_store");
}

int residual_apply(void* after, const void* before, const void* residual, int64_t n, int dtype,
                   void* stream) {
  return dispatch<false>(after, before, residual, n, dtype, stream, "lemica_residual_apply");
}

}  // namespace cuda
}  // namespace lemica
