// Scalar conversions between float32 and the 16-bit float formats, by bit manipulation, rounding
// as LibTorch (c10::BFloat16, c10::Half) does so that results are bit-identical to its CPU kernels.
#ifndef LEMICA_CPU_CONVERT_H
#define LEMICA_CPU_CONVERT_H

#include <cstdint>
#include <cstring>

namespace lemica {
namespace cpu {
// Internal linkage on purpose: kernels.inl is compiled once per instruction set (baseline, AVX2,
// AVX-512) and each copy must get its own conversions, built with its own flags.
namespace {

inline uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

inline float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// bfloat16 is the upper half of a float32.
inline float bf16_to_float(uint16_t h) { return bits_float(static_cast<uint32_t>(h) << 16); }

// Round to nearest even; every NaN becomes the quiet NaN 0x7FC0 (c10::round_to_nearest_even).
inline uint16_t float_to_bf16(float f) {
  uint32_t u = float_bits(f);
  uint32_t rounded = (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16;
  return f != f ? static_cast<uint16_t>(0x7FC0u) : static_cast<uint16_t>(rounded);
}

// IEEE half to float, exact for normals, subnormals, infinities and NaN
// (the branch-free method of FP16/c10 fp16_ieee_to_fp32_value).
inline float fp16_to_float(uint16_t h) {
  const uint32_t w = static_cast<uint32_t>(h) << 16;
  const uint32_t sign = w & 0x80000000u;
  const uint32_t two_w = w + w;
  const uint32_t exp_offset = 0xE0u << 23;
  const float exp_scale = 0x1.0p-112f;
  const float normalized = bits_float((two_w >> 4) + exp_offset) * exp_scale;
  const uint32_t magic_mask = 126u << 23;
  const float magic_bias = 0.5f;
  const float denormalized = bits_float((two_w >> 17) | magic_mask) - magic_bias;
  const uint32_t denormalized_cutoff = 1u << 27;
  const uint32_t result =
      sign | (two_w < denormalized_cutoff ? float_bits(denormalized) : float_bits(normalized));
  return bits_float(result);
}

// Float to IEEE half, round to nearest even (c10 fp16_ieee_from_fp32_value). Needs IEEE float
// arithmetic: never compile this with -ffast-math.
inline uint16_t float_to_fp16(float f) {
  const float scale_to_inf = 0x1.0p+112f;
  const float scale_to_zero = 0x1.0p-110f;
  float base = ((f < 0 ? -f : f) * scale_to_inf) * scale_to_zero;
  const uint32_t w = float_bits(f);
  const uint32_t shl1_w = w + w;
  const uint32_t sign = w & 0x80000000u;
  uint32_t bias = shl1_w & 0xFF000000u;
  if (bias < 0x71000000u) bias = 0x71000000u;
  base = bits_float((bias >> 1) + 0x07800000u) + base;
  const uint32_t bits = float_bits(base);
  const uint32_t exp_bits = (bits >> 13) & 0x00007C00u;
  const uint32_t mantissa_bits = bits & 0x00000FFFu;
  const uint32_t nonsign = exp_bits + mantissa_bits;
  return static_cast<uint16_t>((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
}

// Element access by storage type: T is float (float32), or a tag for the 16-bit formats.
struct Bf16 {
  using storage = uint16_t;
  static float load(storage v) { return bf16_to_float(v); }
  static storage store(float f) { return float_to_bf16(f); }
};
struct Fp16 {
  using storage = uint16_t;
  static float load(storage v) { return fp16_to_float(v); }
  static storage store(float f) { return float_to_fp16(f); }
};
struct Fp32 {
  using storage = float;
  static float load(storage v) { return v; }
  static storage store(float f) { return f; }
};

}  // namespace
}  // namespace cpu
}  // namespace lemica

#endif
