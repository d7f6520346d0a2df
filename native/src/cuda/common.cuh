// Shared pieces of the CUDA kernels: element formats, launch sizing, device selection, errors.
#ifndef LEMICA_CUDA_COMMON_CUH
#define LEMICA_CUDA_COMMON_CUH

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "../internal.h"
#include "lemica_kernels.h"

namespace lemica {
namespace cuda {

// Element formats, stored as raw bits so that they can share unions with vector types.
struct Fp32 {
  using storage = float;
  static __device__ __forceinline__ float load(float v) { return v; }
  static __device__ __forceinline__ float store(float f) { return f; }
};
struct Bf16 {
  using storage = uint16_t;
  static __device__ __forceinline__ float load(uint16_t v) {
    return __uint_as_float(static_cast<uint32_t>(v) << 16);
  }
  static __device__ __forceinline__ uint16_t store(float f) {
    return __bfloat16_as_ushort(__float2bfloat16_rn(f));
  }
};
struct Fp16 {
  using storage = uint16_t;
  static __device__ __forceinline__ float load(uint16_t v) {
    return __half2float(__ushort_as_half(v));
  }
  static __device__ __forceinline__ uint16_t store(float f) {
    return __half_as_ushort(__float2half_rn(f));
  }
};

// 16 bytes of elements: one 128-bit load or store.
template <typename E>
union Pack {
  static constexpr int kCount = 16 / sizeof(typename E::storage);
  uint4 vector;
  typename E::storage e[kCount];
};

inline bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

inline int check(cudaError_t err, const char* what) {
  if (err == cudaSuccess) return LEMICA_OK;
  return fail(LEMICA_ERR_CUDA, "%s: CUDA error %d (%s): %s", what, static_cast<int>(err),
              cudaGetErrorName(err), cudaGetErrorString(err));
}

// Makes the device that holds `pointer` current for the scope and restores the previous one.
// Kernels must launch on the stream's device; the caller's stream belongs to the device of its
// tensors, which need not be the current one.
class DeviceScope {
 public:
  int open(const void* pointer, const char* what) {
    cudaPointerAttributes attributes;
    int rc = check(cudaPointerGetAttributes(&attributes, pointer), what);
    if (rc != LEMICA_OK) return rc;
    if (attributes.type != cudaMemoryTypeDevice && attributes.type != cudaMemoryTypeManaged) {
      return fail(LEMICA_ERR_INVALID_ARGUMENT, "%s: buffer %p is not CUDA device memory", what,
                  pointer);
    }
    device_ = attributes.device;
    rc = check(cudaGetDevice(&previous_), what);
    if (rc != LEMICA_OK) return rc;
    if (previous_ != device_) {
      rc = check(cudaSetDevice(device_), what);
      if (rc != LEMICA_OK) return rc;
      restore_ = true;
    }
    return LEMICA_OK;
  }
  int device() const { return device_; }
  ~DeviceScope() {
    if (restore_) cudaSetDevice(previous_);
  }

 private:
  int device_ = 0;
  int previous_ = 0;
  bool restore_ = false;
};

// Streaming multiprocessors of a device, queried once per device.
int sm_count(int device);

// Blocks for a grid-stride loop over `work` items of `threads` threads each: enough to fill the
// device a few times over, never more than the work needs.
inline unsigned grid_for(int64_t work, int threads, int device) {
  int64_t needed = (work + threads - 1) / threads;
  int64_t cap = int64_t{sm_count(device)} * 8;
  int64_t blocks = needed < cap ? needed : cap;
  return static_cast<unsigned>(blocks < 1 ? 1 : blocks);
}

inline cudaStream_t as_stream(void* stream) { return static_cast<cudaStream_t>(stream); }

}  // namespace cuda
}  // namespace lemica

#endif
