// The C API: argument checks, then dispatch to the CPU or the CUDA implementation.
#include "lemica_kernels.h"

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <string>

#include "internal.h"

#ifdef LEMICA_WITH_NVTX
#include <nvtx3/nvToolsExt.h>
#endif

namespace lemica {
namespace {
thread_local std::string last_error;

int check_common(const char* fn, int64_t n, int dtype, int device) {
  if (n < 0) {
    return fail(LEMICA_ERR_INVALID_ARGUMENT, "%s: negative element count %lld", fn, (long long)n);
  }
  if (dtype != LEMICA_DTYPE_FLOAT32 && dtype != LEMICA_DTYPE_BFLOAT16 &&
      dtype != LEMICA_DTYPE_FLOAT16) {
    return fail(LEMICA_ERR_UNSUPPORTED_DTYPE,
                "%s: unsupported dtype code %d (0 = float32, 1 = bfloat16, 2 = float16)", fn, dtype);
  }
  if (device == LEMICA_DEVICE_CPU) {
    return LEMICA_OK;
  }
  if (device == LEMICA_DEVICE_CUDA) {
#ifdef LEMICA_WITH_CUDA
    return LEMICA_OK;
#else
    return fail(LEMICA_ERR_CUDA_NOT_COMPILED,
                "%s: this lemica_kernels library was built without CUDA (no nvcc at build time);"
                " rebuild where a CUDA toolkit exists to use CUDA tensors", fn);
#endif
  }
  return fail(LEMICA_ERR_UNSUPPORTED_DEVICE, "%s: unsupported device code %d (0 = CPU, 1 = CUDA)",
              fn, device);
}

int check_pointers(const char* fn, int64_t n, const void* p, const void* q, const void* r) {
  if (n > 0 && (p == nullptr || q == nullptr || r == nullptr)) {
    return fail(LEMICA_ERR_INVALID_ARGUMENT, "%s: null buffer for %lld elements", fn, (long long)n);
  }
  return LEMICA_OK;
}

int binary(const char* fn, bool store, void* out, const void* x, const void* y, int64_t n,
           int dtype, int device, void* stream) {
  int rc = check_common(fn, n, dtype, device);
  if (rc == LEMICA_OK) rc = check_pointers(fn, n, out, x, y);
  if (rc != LEMICA_OK || n == 0) return rc;
  if (device == LEMICA_DEVICE_CPU) {
    if (store) {
      cpu::residual_store(out, x, y, n, dtype);
    } else {
      cpu::residual_apply(out, x, y, n, dtype);
    }
    return LEMICA_OK;
  }
#ifdef LEMICA_WITH_CUDA
  return store ? cuda::residual_store(out, x, y, n, dtype, stream)
               : cuda::residual_apply(out, x, y, n, dtype, stream);
#else
  (void)stream;
  return LEMICA_ERR_CUDA_NOT_COMPILED;  // unreachable: check_common refused the CUDA device
#endif
}
}  // namespace

int fail(int code, const char* format, ...) {
  char buffer[1024];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  last_error = buffer;
  return code;
}

}  // namespace lemica

using lemica::fail;

extern "C" {

const char* lemica_version(void) { return "0.1.0"; }

int lemica_cuda_compiled(void) {
#ifdef LEMICA_WITH_CUDA
  return 1;
#else
  return 0;
#endif
}

#ifndef LEMICA_WITH_CUDA
int lemica_cuda_memory(int, int64_t*, int64_t*) {
  return lemica::fail(LEMICA_ERR_CUDA_NOT_COMPILED, "lemica_cuda_memory: this build has no CUDA");
}
#endif

const char* lemica_last_error(void) { return lemica::last_error.c_str(); }

int lemica_set_num_threads(int threads) { return lemica::cpu::set_num_threads(threads); }

int lemica_cpu_isa(void) { return lemica::cpu::isa(); }

int lemica_set_cpu_isa(int level) { return lemica::cpu::set_isa(level); }

int lemica_residual_store(void* residual, const void* after, const void* before, int64_t n,
                          int dtype, int device, void* stream) {
  return lemica::binary("lemica_residual_store", true, residual, after, before, n, dtype, device,
                        stream);
}

int lemica_residual_apply(void* after, const void* before, const void* residual, int64_t n,
                          int dtype, int device, void* stream) {
  return lemica::binary("lemica_residual_apply", false, after, before, residual, n, dtype, device,
                        stream);
}

int lemica_mean_abs_error(float* out_per_sample, const void* a, const void* b, int64_t batch,
                          int64_t per_sample, int dtype, int device, void* stream) {
  const char* fn = "lemica_mean_abs_error";
  if (batch < 0 || per_sample < 0) {
    return fail(LEMICA_ERR_INVALID_ARGUMENT, "%s: negative batch %lld or per-sample count %lld", fn,
                (long long)batch, (long long)per_sample);
  }
  int rc = lemica::check_common(fn, 0, dtype, device);
  if (rc != LEMICA_OK || batch == 0) return rc;
  if (out_per_sample == nullptr || (per_sample > 0 && (a == nullptr || b == nullptr))) {
    return fail(LEMICA_ERR_INVALID_ARGUMENT, "%s: null buffer", fn);
  }
  if (device == LEMICA_DEVICE_CPU) {
    lemica::cpu::mean_abs_error(out_per_sample, a, b, batch, per_sample, dtype);
    return LEMICA_OK;
  }
#ifdef LEMICA_WITH_CUDA
  return lemica::cuda::mean_abs_error(out_per_sample, a, b, batch, per_sample, dtype, stream);
#else
  (void)stream;
  return LEMICA_ERR_CUDA_NOT_COMPILED;
#endif
}

int lemica_modulate(void* out, const void* x, const float* shift, const float* scale,
                    int64_t batch, int64_t tokens, int64_t dim, int64_t mod_tokens, float eps,
                    int dtype, int device, void* stream) {
  const char* fn = "lemica_modulate";
  if (batch < 0 || tokens < 0 || dim < 0) {
    return fail(LEMICA_ERR_INVALID_ARGUMENT, "%s: negative shape (%lld, %lld, %lld)", fn,
                (long long)batch, (long long)tokens, (long long)dim);
  }
  if (mod_tokens != 1 && mod_tokens != tokens) {
    return fail(LEMICA_ERR_INVALID_ARGUMENT,
                "%s: shift/scale have %lld tokens; expected 1 or %lld (those of x)", fn,
                (long long)mod_tokens, (long long)tokens);
  }
  if (!(eps >= 0.0f) || !std::isfinite(eps)) {
    return fail(LEMICA_ERR_INVALID_ARGUMENT, "%s: eps must be finite and >= 0, got %g", fn,
                (double)eps);
  }
  int64_t n = batch * tokens * dim;
  int rc = lemica::check_common(fn, n, dtype, device);
  if (rc == LEMICA_OK) rc = lemica::check_pointers(fn, n, out, x, shift);
  if (rc == LEMICA_OK) rc = lemica::check_pointers(fn, n, out, x, scale);
  if (rc != LEMICA_OK || n == 0) return rc;
  if (device == LEMICA_DEVICE_CPU) {
    lemica::cpu::modulate(out, x, shift, scale, batch, tokens, dim, mod_tokens, eps, dtype);
    return LEMICA_OK;
  }
#ifdef LEMICA_WITH_CUDA
  return lemica::cuda::modulate(out, x, shift, scale, batch, tokens, dim, mod_tokens, eps, dtype,
                                stream);
#else
  (void)stream;
  return LEMICA_ERR_CUDA_NOT_COMPILED;
#endif
}

int lemica_nvtx_compiled(void) {
#ifdef LEMICA_WITH_NVTX
  return 1;
#else
  return 0;
#endif
}

int lemica_nvtx_push(const char* name) {
#ifdef LEMICA_WITH_NVTX
  return nvtxRangePushA(name == nullptr ? "" : name);
#else
  (void)name;
  return -1;
#endif
}

int lemica_nvtx_pop(void) {
#ifdef LEMICA_WITH_NVTX
  return nvtxRangePop();
#else
  return -1;
#endif
}

}  // extern "C"
