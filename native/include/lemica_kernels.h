/*
 * lemica_kernels: the native kernels of LeMiCa for the JVM, behind a plain C API.
 *
 * No LibTorch types cross this boundary: callers pass raw data pointers (tensor.data_ptr()),
 * element counts, a dtype code, a device code and, for CUDA, the stream (a cudaStream_t passed as
 * void*; NULL means the legacy default stream). All buffers must be contiguous and must not
 * overlap, except that an output may be the very same buffer as one of its inputs (in place).
 *
 * CUDA calls only enqueue work on the given stream: they never synchronise, so an error inside
 * a kernel surfaces at the caller's next synchronisation, not here. Launch errors (bad
 * configuration, no device) are reported here.
 *
 * Every function returns LEMICA_OK (0) on success or one of the LEMICA_ERR_* codes; the message
 * of the calling thread's last failure is lemica_last_error().
 */
#ifndef LEMICA_KERNELS_H
#define LEMICA_KERNELS_H

#include <stdint.h>

#if defined(_WIN32)
#define LEMICA_API __declspec(dllexport)
#else
#define LEMICA_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* dtype codes */
#define LEMICA_DTYPE_FLOAT32 0
#define LEMICA_DTYPE_BFLOAT16 1
#define LEMICA_DTYPE_FLOAT16 2

/* device codes (the CUDA device is the one that holds the output buffer) */
#define LEMICA_DEVICE_CPU 0
#define LEMICA_DEVICE_CUDA 1

/* return codes */
#define LEMICA_OK 0
#define LEMICA_ERR_INVALID_ARGUMENT 1
#define LEMICA_ERR_UNSUPPORTED_DTYPE 2
#define LEMICA_ERR_UNSUPPORTED_DEVICE 3
#define LEMICA_ERR_CUDA_NOT_COMPILED 4
#define LEMICA_ERR_CUDA 5

/* Version of this API, "major.minor.patch". */
LEMICA_API const char* lemica_version(void);

/* 1 when this library was built with its CUDA kernels, 0 for the CPU-only build. */
LEMICA_API int lemica_cuda_compiled(void);

/* The message of the calling thread's last failed call ("" if none). Valid until its next call. */
LEMICA_API const char* lemica_last_error(void);

/* Threads the CPU kernels may use (0: one per hardware thread, the default). Large calls are split
 * into chunks of at least 64K elements; small calls run on the calling thread. Returns the old
 * setting. */
LEMICA_API int lemica_set_num_threads(int threads);

/* Sets the thread count of every OpenBLAS loaded in the process (LibTorch's CPU matrix products),
 * which torch::set_num_threads does not reach. Returns how many OpenBLAS copies were set (0: none
 * loaded). */
LEMICA_API int lemica_set_blas_threads(int threads);

/* Free and total memory of a CUDA device (cudaMemGetInfo); LEMICA_ERR_CUDA_NOT_COMPILED in the
 * CPU-only build. */
LEMICA_API int lemica_cuda_memory(int device, int64_t* free_bytes, int64_t* total_bytes);

/* The thread count of the first loaded OpenBLAS, or -1 when none is loaded. */
LEMICA_API int lemica_blas_threads(void);

/* Instruction sets of the CPU kernels (all give bit-identical results). */
#define LEMICA_CPU_ISA_BASELINE 0
#define LEMICA_CPU_ISA_AVX2 1
#define LEMICA_CPU_ISA_AVX512 2

/* The instruction set the CPU kernels use: the best one that both the CPU and this build have,
 * capped by the environment variable LEMICA_CPU_ISA (baseline, avx2, avx512). */
LEMICA_API int lemica_cpu_isa(void);

/* Caps the CPU kernels' instruction set at level (-1: back to the default choice); returns the
 * level now in use, which is lower than asked where the CPU or the build lacks it. */
LEMICA_API int lemica_set_cpu_isa(int level);

/* residual[i] = after[i] - before[i], i < n: the cache's store on a computing step. For bf16 and
 * fp16 the difference is computed in float32 and rounded once (round to nearest even), as LibTorch
 * does, so results are bit-identical to after.sub(before). */
LEMICA_API int lemica_residual_store(void* residual, const void* after, const void* before,
                                     int64_t n, int dtype, int device, void* stream);

/* after[i] = before[i] + residual[i], i < n: the cache's reuse step. Same rounding as above. */
LEMICA_API int lemica_residual_apply(void* after, const void* before, const void* residual,
                                     int64_t n, int dtype, int device, void* stream);

/* out_per_sample[s] = mean over i < per_sample of |a[s*per_sample+i] - b[s*per_sample+i]|,
 * s < batch: calibration's error between two batches of outputs. Differences and sums are float32
 * whatever the input dtype (no rounding of the difference to the input dtype). out_per_sample is a
 * float32 buffer of batch elements on the same device as a and b. per_sample == 0 gives NaN (the
 * mean of nothing), as LibTorch does. */
LEMICA_API int lemica_mean_abs_error(float* out_per_sample, const void* a, const void* b,
                                     int64_t batch, int64_t per_sample, int dtype, int device,
                                     void* stream);

/* adaLN modulation, the LayerNorm without affine parameters used by DiT blocks:
 *   out[b,t,:] = layer_norm(x[b,t,:], eps) * (1 + scale[b,t',:]) + shift[b,t',:]
 * x and out: (batch, tokens, dim) in dtype; shift and scale: float32 (batch, mod_tokens, dim) with
 * mod_tokens 1 (one vector per sample, broadcast over tokens, t' = 0) or tokens (t' = t).
 * Statistics and the affine part are float32; the result is rounded once to dtype. */
LEMICA_API int lemica_modulate(void* out, const void* x, const float* shift, const float* scale,
                               int64_t batch, int64_t tokens, int64_t dim, int64_t mod_tokens,
                               float eps, int dtype, int device, void* stream);

/* NVTX ranges (header-only NVTX3, no library needed): no-ops unless the library was built with
 * CUDA and a profiler (Nsight Systems) is attached. push returns the nesting depth or a negative
 * number when no tool is attached, pop likewise; lemica_nvtx_compiled says whether NVTX is in. */
LEMICA_API int lemica_nvtx_compiled(void);
LEMICA_API int lemica_nvtx_push(const char* name);
LEMICA_API int lemica_nvtx_pop(void);

#ifdef __cplusplus
}
#endif

#endif /* LEMICA_KERNELS_H */
