// CPU adaLN modulation: layer_norm(x) * (1 + scale) + shift per (batch, token) row, float32
// statistics (two passes: mean, then the mean of squared deviations) and one rounding at the end.
#include <cmath>
#include <cstdint>
#include <thread>

#include "../internal.h"
#include "convert.h"
#include "lemica_kernels.h"
#include "parallel.h"

namespace lemica {
namespace cpu {
namespace {

constexpr int kLanes = 16;

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
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 15) / std::max<int64_t>(dim, 1));
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

}  // namespace cpu
}  // namespace lemica
