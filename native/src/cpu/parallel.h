// A minimal fork-join over std::thread for the CPU kernels (no OpenMP: LibTorch brings its own
// libgomp, and a second OpenMP runtime in the process is asking for trouble).
#ifndef LEMICA_CPU_PARALLEL_H
#define LEMICA_CPU_PARALLEL_H

#include <algorithm>
#include <cstdint>
#include <system_error>
#include <thread>
#include <vector>

namespace lemica {
namespace cpu {

int num_threads();

// Calls body(begin, end) over [0, n) in at most num_threads() contiguous chunks of at least grain
// items (chunk boundaries are multiples of align), the first chunk on the calling thread.
template <typename Body>
void parallel_for(int64_t n, int64_t grain, int64_t align, Body body) {
  int64_t chunks = std::min<int64_t>(num_threads(), n / std::max<int64_t>(grain, 1));
  if (chunks <= 1) {
    body(int64_t{0}, n);
    return;
  }
  int64_t per = (n + chunks - 1) / chunks;
  per = (per + align - 1) / align * align;
  std::vector<std::thread> workers;
  workers.reserve(static_cast<size_t>(chunks));
  int64_t begin = per;
  for (; begin < n; begin += per) {
    int64_t end = std::min(n, begin + per);
    try {
      workers.emplace_back(body, begin, end);
    } catch (const std::system_error&) {
      break;  // no more threads: the caller does the rest
    }
  }
  body(int64_t{0}, std::min(n, per));
  for (; begin < n; begin += per) {
    body(begin, std::min(n, begin + per));
  }
  for (auto& w : workers) w.join();
}

}  // namespace cpu
}  // namespace lemica

#endif
