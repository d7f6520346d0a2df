// CPU per-sample mean absolute error. Each sample is cut into blocks; a block sums |a - b| in float
// over 16 independent lanes (vectorisable, and short float chains keep the rounding error small),
// and the block sums of a sample are added in double. All blocks of all samples are one parallel
// loop, so a batch of one still uses every thread.
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "../internal.h"
#include "convert.h"
#include "lemica_kernels.h"
#include "parallel.h"

namespace lemica {
namespace cpu {
namespace {

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
  std::vector<float> partial(static_cast<size_t>(blocks));
  float* p = partial.data();
  parallel_for(blocks, 4, 1, [=](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; ++k) {
      int64_t s = k / blocks_per_sample;
      int64_t first = (k % blocks_per_sample) * kBlock;
      int64_t count = std::min(kBlock, per_sample - first);
      int64_t offset = s * per_sample + first;
      p[k] = block_sum<E>(pa + offset, pb + offset, count);
    }
  });
  for (int64_t s = 0; s < batch; ++s) {
    double sum = 0;
    for (int64_t k = 0; k < blocks_per_sample; ++k) sum += p[s * blocks_per_sample + k];
    out[s] = static_cast<float>(sum / static_cast<double>(per_sample));
  }
}

}  // namespace

void mean_abs_error(float* out, const void* a, const void* b, int64_t batch, int64_t per_sample,
                    int dtype) {
  switch (dtype) {
    case LEMICA_DTYPE_FLOAT32: mean_abs_error_impl<Fp32>(out, a, b, batch, per_sample); break;
    case LEMICA_DTYPE_BFLOAT16: mean_abs_error_impl<Bf16>(out, a, b, batch, per_sample); break;
    case LEMICA_DTYPE_FLOAT16: mean_abs_error_impl<Fp16>(out, a, b, batch, per_sample); break;
  }
}

}  // namespace cpu
}  // namespace lemica
