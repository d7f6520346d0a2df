// Internal declarations shared by the C API, the CPU kernels and the CUDA kernels.
#ifndef LEMICA_INTERNAL_H
#define LEMICA_INTERNAL_H

#include <cstdint>

namespace lemica {

// Records the calling thread's last error message (printf-style) and returns code.
int fail(int code, const char* format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

namespace cpu {
void residual_store(void* residual, const void* after, const void* before, int64_t n, int dtype);
void residual_apply(void* after, const void* before, const void* residual, int64_t n, int dtype);
void mean_abs_error(float* out, const void* a, const void* b, int64_t batch, int64_t per_sample,
                    int dtype);
void modulate(void* out, const void* x, const float* shift, const float* scale, int64_t batch,
              int64_t tokens, int64_t dim, int64_t mod_tokens, float eps, int dtype);
int set_num_threads(int threads);
int isa();
int set_isa(int level);
}  // namespace cpu

#ifdef LEMICA_WITH_CUDA
// Each returns LEMICA_OK or fails through lemica::fail; none synchronises.
namespace cuda {
int residual_store(void* residual, const void* after, const void* before, int64_t n, int dtype,
                   void* stream);
int residual_apply(void* after, const void* before, const void* residual, int64_t n, int dtype,
                   void* stream);
int mean_abs_error(float* out, const void* a, const void* b, int64_t batch, int64_t per_sample,
                   int dtype, void* stream);
int modulate(void* out, const void* x, const float* shift, const float* scale, int64_t batch,
             int64_t tokens, int64_t dim, int64_t mod_tokens, float eps, int dtype, void* stream);
}  // namespace cuda
#endif

}  // namespace lemica

#endif
