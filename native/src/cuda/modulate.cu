// CUDA adaLN modulation: one block per (batch, token) row, float32 two-pass statistics (mean, then
// the mean of squared deviations), then layer_norm(x) * (1 + scale) + shift rounded once.
#include "common.cuh"
#include "reduce.cuh"

namespace lemica {
namespace cuda {
namespace {

constexpr int kThreads = 256;

template <typename E>
__global__ void __launch_bounds__(kThreads)
    modulate_kernel(typename E::storage* out, const typename E::storage* x, const float* shift,
                    const float* scale, int64_t rows, int64_t tokens, int64_t dim,
                    int64_t mod_tokens, float eps) {
  using S = typename E::storage;
  __shared__ float scratch[33];
  const float inv_dim = 1.0f / static_cast<float>(dim);
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const S* xr = x + r * dim;
    S* orow = out + r * dim;
    const int64_t m = mod_tokens == 1 ? r / tokens : r;
    const float* sh = shift + m * dim;
    const float* sc = scale + m * dim;
    float sum = 0.0f;
    for (int64_t i = threadIdx.x; i < dim; i += blockDim.x) sum += E::load(xr[i]);
    const float mean = block_sum(sum, scratch) * inv_dim;
    float squares = 0.0f;
    for (int64_t i = threadIdx.x; i < dim; i += blockDim.x) {
      const float d = E::load(xr[i]) - mean;
      squares += d * d;
    }
    const float rstd = 1.0f / sqrtf(block_sum(squares, scratch) * inv_dim + eps);
    for (int64_t i = threadIdx.x; i < dim; i += blockDim.x) {
      const float normed = (E::load(xr[i]) - mean) * rstd;
      orow[i] = E::store(normed * (1.0f + sc[i]) + sh[i]);
    }
  }
}

template <typename E>
int launch(void* out, const void* x, const float* shift, const float* scale, int64_t batch,
           int64_t tokens, int64_t dim, int64_t mod_tokens, float eps, void* stream) {
  const char* what = "lemica_modulate";
  DeviceScope scope;
  int rc = scope.open(out, what);
  if (rc != LEMICA_OK) return rc;
  using S = typename E::storage;
  const int64_t rows = batch * tokens;
  int64_t cap = int64_t{sm_count(scope.device())} * 16;
  const unsigned grid = static_cast<unsigned>(rows < cap ? rows : cap);
  modulate_kernel<E><<<grid, kThreads, 0, as_stream(stream)>>>(
      static_cast<S*>(out), static_cast<const S*>(x), shift, scale, rows, tokens, dim, mod_tokens,
      eps);
  return check(cudaGetLastError(), what);
}

}  // namespace

int modulate(void* out, const void* x, const float* shift, const float* scale, int64_t batch,
             int64_t tokens, int64_t dim, int64_t mod_tokens, float eps, int dtype, void* stream) {
  switch (dtype) {
    case LEMICA_DTYPE_FLOAT32:
      return launch<Fp32>(out, x, shift, scale, batch, tokens, dim, mod_tokens, eps, stream);
    case LEMICA_DTYPE_BFLOAT16:
      return launch<Bf16>(out, x, shift, scale, batch, tokens, dim, mod_tokens, eps, stream);
    case LEMICA_DTYPE_FLOAT16:
      return launch<Fp16>(out, x, shift, scale, batch, tokens, dim, mod_tokens, eps, stream);
    default:
      return fail(LEMICA_ERR_UNSUPPORTED_DTYPE, "lemica_modulate: unsupported dtype %d", dtype);
  }
}

}  // namespace cuda
}  // namespace lemica
