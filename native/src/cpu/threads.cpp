#include <atomic>
#include <thread>

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

}  // namespace cpu
}  // namespace lemica
