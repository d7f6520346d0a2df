// Threads and buffers for the CPU kernels, built with baseline flags (see parallel.h).
#include <algorithm>
#include <atomic>
#include <system_error>
#include <thread>
#include <vector>

#include "parallel.h"

namespace lemica {
namespace cpu {
namespace {
std::atomic<int> configured{0};
}

int num_threads() {
  int n = configured.load(std::memory_order_relaxed);
  if (n > 0) return n;
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

int set_num_threads(int threads) {
  return configured.exchange(threads < 0 ? 0 : threads, std::memory_order_relaxed);
}

void parallel_for_raw(int64_t n, int64_t grain, int64_t align,
                      void (*body)(void*, int64_t, int64_t), void* context) {
  int64_t chunks = std::min<int64_t>(num_threads(), n / std::max<int64_t>(grain, 1));
  if (chunks <= 1) {
    body(context, 0, n);
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
      workers.emplace_back(body, context, begin, end);
    } catch (const std::system_error&) {
      break;  // no more threads: the caller does the rest
    }
  }
  body(context, 0, std::min(n, per));
  for (; begin < n; begin += per) {
    body(context, begin, std::min(n, begin + per));
  }
  for (auto& w : workers) w.join();
}

float* allocate_floats(int64_t count) { return new float[static_cast<size_t>(count)]; }

void free_floats(float* buffer) { delete[] buffer; }

}  // namespace cpu
}  // namespace lemica
