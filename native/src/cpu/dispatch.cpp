// Picks the CPU kernels' instruction set once: AVX-512 or AVX2 where the CPU has them and the
// library was built with them, the baseline build otherwise. LEMICA_CPU_ISA=baseline|avx2|avx512
// in the environment, or lemica_set_cpu_isa(), caps the choice. All sets give identical results.
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "../internal.h"
#include "lemica_kernels.h"

namespace lemica {
namespace cpu {

#define LEMICA_DECLARE_ISA(isa)                                                                  \
  namespace isa {                                                                                \
  void residual_store(void*, const void*, const void*, int64_t, int);                            \
  void residual_apply(void*, const void*, const void*, int64_t, int);                            \
  void mean_abs_error(float*, const void*, const void*, int64_t, int64_t, int);                  \
  void modulate(void*, const void*, const float*, const float*, int64_t, int64_t, int64_t,       \
                int64_t, float, int);                                                            \
  }
LEMICA_DECLARE_ISA(baseline)
#ifdef LEMICA_CPU_AVX2
LEMICA_DECLARE_ISA(avx2)
#endif
#ifdef LEMICA_CPU_AVX512
LEMICA_DECLARE_ISA(avx512)
#endif

namespace {

int supported_level() {
  int level = LEMICA_CPU_ISA_BASELINE;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
#ifdef LEMICA_CPU_AVX2
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
      __builtin_cpu_supports("f16c")) {
    level = LEMICA_CPU_ISA_AVX2;
#ifdef LEMICA_CPU_AVX512
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) {
      level = LEMICA_CPU_ISA_AVX512;
    }
#endif
  }
#endif
#endif
  return level;
}

int environment_cap() {
  const char* v = std::getenv("LEMICA_CPU_ISA");
  if (v == nullptr) return LEMICA_CPU_ISA_AVX512;
  if (std::strcmp(v, "baseline") == 0) return LEMICA_CPU_ISA_BASELINE;
  if (std::strcmp(v, "avx2") == 0) return LEMICA_CPU_ISA_AVX2;
  return LEMICA_CPU_ISA_AVX512;
}

int clamp_level(int requested) {
  int best = supported_level();
  if (requested < 0) {
    int cap = environment_cap();
    return best < cap ? best : cap;
  }
  return requested < best ? requested : best;
}

std::atomic<int> level{-2};  // -2: not chosen yet

int current() {
  int l = level.load(std::memory_order_relaxed);
  if (l == -2) {
    l = clamp_level(-1);
    level.store(l, std::memory_order_relaxed);
  }
  return l;
}

}  // namespace

int isa() { return current(); }

int set_isa(int requested) {
  int l = clamp_level(requested);
  level.store(l, std::memory_order_relaxed);
  return l;
}

#ifdef LEMICA_CPU_AVX512
#define LEMICA_CASE_AVX512(call) \
  case LEMICA_CPU_ISA_AVX512:    \
    avx512::call;                \
    return;
#else
#define LEMICA_CASE_AVX512(call)
#endif
#ifdef LEMICA_CPU_AVX2
#define LEMICA_CASE_AVX2(call) \
  case LEMICA_CPU_ISA_AVX2:    \
    avx2::call;                \
    return;
#else
#define LEMICA_CASE_AVX2(call)
#endif
#define LEMICA_DISPATCH(call)  \
  switch (current()) {         \
    LEMICA_CASE_AVX512(call)   \
    LEMICA_CASE_AVX2(call)     \
    default:                   \
      baseline::call;          \
      return;                  \
  }

void residual_store(void* residual, const void* after, const void* before, int64_t n, int dtype) {
  LEMICA_DISPATCH(residual_store(residual, after, before, n, dtype))
}

void residual_apply(void* after, const void* before, const void* residual, int64_t n, int dtype) {
  LEMICA_DISPATCH(residual_apply(after, before, residual, n, dtype))
}

void mean_abs_error(float* out, const void* a, const void* b, int64_t batch, int64_t per_sample,
                    int dtype) {
  LEMICA_DISPATCH(mean_abs_error(out, a, b, batch, per_sample, dtype))
}

void modulate(void* out, const void* x, const float* shift, const float* scale, int64_t batch,
              int64_t tokens, int64_t dim, int64_t mod_tokens, float eps, int dtype) {
  LEMICA_DISPATCH(modulate(out, x, shift, scale, batch, tokens, dim, mod_tokens, eps, dtype))
}

}  // namespace cpu
}  // namespace lemica
