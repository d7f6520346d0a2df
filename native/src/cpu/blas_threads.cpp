// Sets the thread count of every OpenBLAS copy loaded in the process. LibTorch's CPU build calls
// OpenBLAS, whose OpenMP pool reads OMP_NUM_THREADS once at start-up and ignores
// torch::set_num_threads; the JavaCPP presets may even load two copies. Running CFG branches on
// parallel threads needs each BLAS call on one thread, or the two cores get four busy threads.
#include <dlfcn.h>
#include <link.h>

#include <cstring>
#include <string>
#include <vector>

#include "lemica_kernels.h"

namespace {
typedef void (*set_threads_fn)(int);
typedef int (*get_threads_fn)(void);

std::vector<std::string> loaded_openblas() {
  std::vector<std::string> names;
  dl_iterate_phdr(
      [](struct dl_phdr_info* info, size_t, void* data) {
        const char* name = info->dlpi_name;
        if (name != nullptr && std::strstr(name, "libopenblas") != nullptr) {
          static_cast<std::vector<std::string>*>(data)->emplace_back(name);
        }
        return 0;
      },
      &names);
  return names;
}
}  // namespace

extern "C" int lemica_set_blas_threads(int threads) {
  int found = 0;
  for (const std::string& name : loaded_openblas()) {
    void* handle = dlopen(name.c_str(), RTLD_LAZY | RTLD_NOLOAD);
    if (handle == nullptr) {
      continue;
    }
    auto set = reinterpret_cast<set_threads_fn>(dlsym(handle, "openblas_set_num_threads"));
    if (set != nullptr) {
      set(threads);
      found++;
    }
    dlclose(handle);
  }
  return found;
}

extern "C" int lemica_blas_threads(void) {
  for (const std::string& name : loaded_openblas()) {
    void* handle = dlopen(name.c_str(), RTLD_LAZY | RTLD_NOLOAD);
    if (handle == nullptr) {
      continue;
    }
    auto get = reinterpret_cast<get_threads_fn>(dlsym(handle, "openblas_get_num_threads"));
    int n = get != nullptr ? get() : -1;
    dlclose(handle);
    if (n > 0) {
      return n;
    }
  }
  return -1;
}
