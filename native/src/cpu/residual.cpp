// CPU residual store (after - before) and apply (before + residual): one pass, float arithmetic,
// one rounding to the storage type, as LibTorch's CPU add/sub do.
#include <cstdint>

#include "../internal.h"
#include "convert.h"
#include "lemica_kernels.h"
#include "parallel.h"

namespace lemica {
namespace cpu {
namespace {

constexpr int64_t kGrain = int64_t{1} << 16;

// Outputs may alias inputs element for element (in place), so no __restrict__; GCC versions the
// loop with a runtime overlap check and vectorises the no-overlap version.
template <typename E, bool Subtract>
void binary_range(typename E::storage* out, const typename E::storage* x,
                  const typename E::storage* y, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    float a = E::load(x[i]);
    float b = E::load(y[i]);
    out[i] = E::store(Subtract ? a - b : a + b);
  }
}

template <typename E, bool Subtract>
void binary(void* out, const void* x, const void* y, int64_t n) {
  using S = typename E::storage;
  auto* o = static_cast<S*>(out);
  auto* a = static_cast<const S*>(x);
  auto* b = static_cast<const S*>(y);
  parallel_for(n, kGrain, 64, [=](int64_t begin, int64_t end) {
    binary_range<E, Subtract>(o, a, b, begin, end);
  });
}

template <bool Subtract>
void dispatch(void* out, const void* x, const void* y, int64_t n, int dtype) {
  switch (dtype) {
    case LEMICA_DTYPE_FLOAT32: binary<Fp32, Subtract>(out, x, y, n); break;
    case LEMICA_DTYPE_BFLOAT16: binary<Bf16, Subtract>(out, x, y, n); break;
    case LEMICA_DTYPE_FLOAT16: binary<Fp16, Subtract>(out, x, y, n); break;
  }
}

}  // namespace

void residual_store(void* residual, const void* after, const void* before, int64_t n, int dtype) {
  dispatch<true>(residual, after, before, n, dtype);
}

void residual_apply(void* after, const void* before, const void* residual, int64_t n, int dtype) {
  dispatch<false>(after, before, residual, n, dtype);
}

}  // namespace cpu
}  // namespace lemica
