// The CPU kernels, compiled once per instruction set: kernels_baseline.cpp (x86-64 SSE2 or the
// target's default), kernels_avx2.cpp (-mavx2 -mfma -mf16c) and kernels_avx512.cpp; dispatch.cpp
// picks one at run time. The includer defines LEMICA_CPU_ISA, the namespace of the entry points.
// Everything else has internal linkage so that the copies, built with different flags, never mix.
// Every copy is built with -ffp-contract=off: all of them give bit-identical results.
//
// Residual store (after - before) and apply (before + residual): one pass, float arithmetic, one
// rounding to the storage type, as LibTorch's CPU add/sub do.
//
// Per-sample mean absolute error: each sample is cut into blocks; a block sums |a - b| in float
// over 16 independent lanes (vectorisable, and short float chains keep the rounding error small),
// and the block sums of a sample are added in double. All blocks of all samples are one parallel
// loop, so a batch of one still uses every thread.
//
// adaLN modulation: layer_norm(x) * (1 + scale) + shift per (batch, token) row, float32 statistics
// (two passes: mean, then the mean of squared deviations) and one rounding at the end.
#ifndef LEMICA_CPU_ISA
#error "define LEMICA_CPU_ISA before including kernels.inl"
#endif

#include <cmath>
#include <cstdint>
#include <limits>

#include "../internal.h"
#include "convert.h"
#include "lemica_kernels.h"
#include "parallel.h"

namespace lemica {
namespace cpu {
namespace {

// Local min/max: no std:: templates here (see parallel.h).
inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

// ---- residual store / apply

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


// ---- mean absolute error

constexpr int64_t kBlock = int64_t{1} << 14;
constexpr int kLanes = 16;

template <typename E>
float block_sum(const typename E::storage* __restrict__ a, const typename E::storage* __restrict__ b,
                int64_t count) {
  float lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= count; i += kLanes) {
    for (int k = 0; k < kLanes; ++k) {
      lanes[k] += std::fabs(E::load(a[i + k]) - E::load(b[i + k]));
    }
  }
  for (int k = 0; i < count; ++i, ++k) {
    lanes[k] += std::fabs(E::load(a[i]) - E::load(b[i]));
  }
  // Pairwise over the lanes.
  for (int width = kLanes / 2; width > 0; width /= 2) {
    for (int k = 0; k < width; ++k) lanes[k] += lanes[k + width];
  }
  return lanes[0];
}

template <typename E>
void mean_abs_error_impl(float* out, const void* a, const void* b, int64_t batch,
                         int64_t per_sample) {
  using S = typename E::storage;
  auto* pa = static_cast<const S*>(a);
  auto* pb = static_cast<const S*>(b);
  if (per_sample == 0) {
    for (int64_t s = 0; s < batch; ++s) out[s] = std::numeric_limits<float>::quiet_NaN();
    return;
  }
  const int64_t blocks_per_sample = (per_sample + kBlock - 1) / kBlock;
  const int64_t blocks = batch * blocks_per_sample;
  float* p = allocate_floats(blocks);
  parallel_for(blocks, 4, 1, [=](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; ++k) {
      int64_t s = k / blocks_per_sample;
      int64_t first = (k % blocks_per_sample) * kBlock;
      int64_t count = min64(kBlock, per_sample - first);
      int64_t offset = s * per_sample + first;
      p[k] = block_sum<E>(pa + offset, pb + offset, count);
    }
  });
  for (int64_t s = 0; s < batch; ++s) {
    double sum = 0;
    for (int64_t k = 0; k < blocks_per_sample; ++k) sum += p[s * blocks_per_sample + k];
    out[s] = static_cast<float>(sum / static_cast<double>(per_sample));
  }
  free_floats(p);
}


// ---- modulate


template <typename E>
float row_sum(const typename E::storage* x, int64_t dim) {
  float lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= dim; i += kLanes) {
    for (int k = 0; k < kLanes; ++k) lanes[k] += E::load(x[i + k]);
  }
  for (int k = 0; i < dim; ++i, ++k) lanes[k] += E::load(x[i]);
  for (int width = kLanes / 2; width > 0; width /= 2) {
    for (int k = 0; k < width; ++k) lanes[k] += lanes[k + width];
  }
  return lanes[0];
}

template <typename E>
float row_squares(const typename E::storage* x, int64_t dim, float mean) {
  float lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= dim; i += kLanes) {
    for (int k = 0; k < kLanes; ++k) {
      float d = E::load(x[i + k]) - mean;
      lanes[k] += d * d;
    }
  }
  for (int k = 0; i < dim; ++i, ++k) {
    float d = E::load(x[i]) - mean;
    lanes[k] += d * d;
  }
  for (int width = kLanes / 2; width > 0; width /= 2) {
    for (int k = 0; k < width; ++k) lanes[k] += lanes[k + width];
  }
  return lanes[0];
}

template <typename E>
void modulate_impl(void* out, const void* x, const float* shift, const float* scale, int64_t batch,
                   int64_t tokens, int64_t dim, int64_t mod_tokens, float eps) {
  using S = typename E::storage;
  auto* po = static_cast<S*>(out);
  auto* px = static_cast<const S*>(x);
  const int64_t rows = batch * tokens;
  const int64_t grain = max64(1, (int64_t{1} << 15) / max64(dim, 1));
  parallel_for(rows, grain, 1, [=](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const S* xr = px + r * dim;
      S* orow = po + r * dim;
      int64_t b = r / tokens;
      int64_t m = mod_tokens == 1 ? b : r;  // row of shift/scale
      const float* sh = shift + m * dim;
      const float* sc = scale + m * dim;
      float mean = row_sum<E>(xr, dim) / static_cast<float>(dim);
      float var = row_squares<E>(xr, dim, mean) / static_cast<float>(dim);
      float rstd = 1.0f / std::sqrt(var + eps);
      for (int64_t i = 0; i < dim; ++i) {
        float normed = (E::load(xr[i]) - mean) * rstd;
        orow[i] = E::store(normed * (1.0f + sc[i]) + sh[i]);
      }
    }
  });
}


}  // namespace

namespace LEMICA_CPU_ISA {
void residual_store(void* residual, const void* after, const void* before, int64_t n, int dtype) {
  dispatch<true>(residual, after, before, n, dtype);
}

void residual_apply(void* after, const void* before, const void* residual, int64_t n, int dtype) {
  dispatch<false>(after, before, residual, n, dtype);
}
void mean_abs_error(float* out, const void* a, const void* b, int64_t batch, int64_t per_sample,
                    int dtype) {
  switch (dtype) {
    case LEMICA_DTYPE_FLOAT32: mean_abs_error_impl<Fp32>(out, a, b, batch, per_sample); break;
    case LEMICA_DTYPE_BFLOAT16: mean_abs_error_impl<Bf16>(out, a, b, batch, per_sample); break;
    case LEMICA_DTYPE_FLOAT16: mean_abs_error_impl<Fp16>(out, a, b, batch, per_sample); break;
  }
}
void modulate(void* out, const void* x, const float* shift, const float* scale, int64_t batch,
              int64_t tokens, int64_t dim, int64_t mod_tokens, float eps, int dtype) {
  switch (dtype) {
    case LEMICA_DTYPE_FLOAT32:
      modulate_impl<Fp32>(out, x, shift, scale, batch, tokens, dim, mod_tokens, eps);
      break;
    case LEMICA_DTYPE_BFLOAT16:
      modulate_impl<Bf16>(out, x, shift, scale, batch, tokens, dim, mod_tokens, eps);
      break;
    case LEMICA_DTYPE_FLOAT16:
      modulate_impl<Fp16>(out, x, shift, scale, batch, tokens, dim, mod_tokens, eps);
      break;
  }
}
}  // namespace LEMICA_CPU_ISA

}  // namespace cpu
}  // namespace lemica
