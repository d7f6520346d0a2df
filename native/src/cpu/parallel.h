// A minimal fork-join over std::thread for the CPU kernels (no OpenMP: LibTorch brings its own
// libgomp, and a second OpenMP runtime in the process is asking for trouble).
//
// The threads are started in threads.cpp, built with baseline flags: the kernels' translation
// units are built once per instruction set and must not instantiate shared (weak, merged by the
// linker) library templates such as std::thread or std::vector, lest the linker keep an AVX-512
// copy for everyone.
#ifndef LEMICA_CPU_PARALLEL_H
#define LEMICA_CPU_PARALLEL_H

#include <cstdint>

namespace lemica {
namespace cpu {

int num_threads();

// Calls body(context, begin, end) over [0, n) in at most num_threads() contiguous chunks of at
// least grain items (chunk boundaries are multiples of align), the first on the calling thread.
void parallel_for_raw(int64_t n, int64_t grain, int64_t align,
                      void (*body)(void* context, int64_t begin, int64_t end), void* context);

template <typename Body>
inline void parallel_for(int64_t n, int64_t grain, int64_t align, Body body) {
  parallel_for_raw(
      n, grain, align,
      [](void* context, int64_t begin, int64_t end) { (*static_cast<Body*>(context))(begin, end); },
      &body);
}

// Heap buffers for the kernels without std::vector (see above).
float* allocate_floats(int64_t count);
void free_floats(float* buffer);

}  // namespace cpu
}  // namespace lemica

#endif
