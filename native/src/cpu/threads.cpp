// Threads and buffers for the CPU kernels, built with baseline flags (see parallel.h).
//
// A persistent pool: starting threads per call would cost tens of microseconds, as much as a
// whole kernel on a small tensor. One job runs at a time; a call that finds the pool busy (another
// Java thread inside a kernel) runs on its own thread instead of waiting. The workers are never
// stopped: they sleep on a condition variable and end with the process.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "parallel.h"

namespace lemica {
namespace cpu {
namespace {

std::atomic<int> configured{0};

class Pool {
 public:
  void run(int64_t n, int64_t chunks, int64_t per, void (*body)(void*, int64_t, int64_t),
           void* context) {
    std::unique_lock<std::mutex> submit(submit_, std::try_to_lock);
    if (!submit.owns_lock() || !grow(static_cast<size_t>(chunks - 1))) {
      body(context, 0, n);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      body_ = body;
      context_ = context;
      n_ = n;
      per_ = per;
      chunks_ = chunks;
      next_.store(0, std::memory_order_relaxed);
      participants_ = static_cast<size_t>(chunks - 1);
      finished_ = 0;
      ++generation_;
    }
    work_.notify_all();
    work_on_chunks();
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return finished_ == participants_; });
  }

 private:
  // Starts workers until there are `count`; false if none can be started.
  bool grow(size_t count) {
    while (workers_ < count) {
      try {
        // The worker starts from the current generation (only run() changes it, under submit_,
        // which we hold): the job about to be posted is new to it even if it starts late.
        std::thread(&Pool::worker, this, workers_, generation_).detach();
      } catch (const std::system_error&) {
        return false;
      }
      ++workers_;
    }
    return true;
  }

  void work_on_chunks() {
    for (;;) {
      int64_t chunk = next_.fetch_add(1, std::memory_order_relaxed);
      if (chunk >= chunks_) return;
      int64_t begin = chunk * per_;
      body_(context_, begin, std::min(n_, begin + per_));
    }
  }

  void worker(size_t index, uint64_t seen) {
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        work_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        if (index >= participants_) continue;
      }
      work_on_chunks();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (++finished_ == participants_) done_.notify_one();
      }
    }
  }

  std::mutex submit_;  // one job at a time
  std::mutex mutex_;   // guards the job fields and the counters below
  std::condition_variable work_;
  std::condition_variable done_;
  size_t workers_ = 0;  // only touched under submit_
  uint64_t generation_ = 0;  // written under submit_ and mutex_
  size_t participants_ = 0;
  size_t finished_ = 0;
  void (*body_)(void*, int64_t, int64_t) = nullptr;
  void* context_ = nullptr;
  int64_t n_ = 0;
  int64_t per_ = 0;
  int64_t chunks_ = 0;
  std::atomic<int64_t> next_{0};
};

Pool& pool() {
  static Pool* instance = new Pool();  // never destroyed: detached workers may outlive statics
  return *instance;
}

}  // namespace

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
  chunks = (n + per - 1) / per;
  pool().run(n, chunks, per, body, context);
}

float* allocate_floats(int64_t count) { return new float[static_cast<size_t>(count)]; }

void free_floats(float* buffer) { delete[] buffer; }

}  // namespace cpu
}  // namespace lemica
