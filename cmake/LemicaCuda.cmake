# Decides whether lemica_kernels is built with its CUDA kernels and, if so, enables CUDA.
#
#   LEMICA_CUDA = AUTO (default): CUDA when check_language(CUDA) finds a working nvcc, else CPU only
#                 ON             : CUDA required; configuration fails without a toolkit
#                 OFF            : CPU only
#
# Sets LEMICA_WITH_CUDA (BOOL) and, when true, LEMICA_NVTX_INCLUDE_DIR (NVTX3 headers, may be
# -NOTFOUND). CUDA architectures default to 80 (A100) and 90 (H100, plus its PTX so that newer
# GPUs can JIT it); override with -DCMAKE_CUDA_ARCHITECTURES=...
include_guard(GLOBAL)
include(CheckLanguage)

set(LEMICA_CUDA "AUTO" CACHE STRING "Build the CUDA kernels: AUTO, ON or OFF")
set_property(CACHE LEMICA_CUDA PROPERTY STRINGS AUTO ON OFF)
string(TOUPPER "${LEMICA_CUDA}" _lemica_cuda)

set(LEMICA_WITH_CUDA FALSE)
if(_lemica_cuda STREQUAL "OFF" OR _lemica_cuda STREQUAL "FALSE" OR _lemica_cuda STREQUAL "0")
  message(NOTICE "lemica: CUDA kernels disabled (LEMICA_CUDA=${LEMICA_CUDA}); CPU-only library")
else()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES "80-real;90")
    endif()
    enable_language(CUDA)
    set(LEMICA_WITH_CUDA TRUE)
    message(NOTICE "lemica: CUDA kernels on (${CMAKE_CUDA_COMPILER}, "
                   "CUDA ${CMAKE_CUDA_COMPILER_VERSION}, architectures ${CMAKE_CUDA_ARCHITECTURES})")
  elseif(_lemica_cuda STREQUAL "ON" OR _lemica_cuda STREQUAL "TRUE" OR _lemica_cuda STREQUAL "1")
    message(FATAL_ERROR "lemica: LEMICA_CUDA=ON but no working CUDA compiler was found "
                        "(put nvcc on PATH or set CUDACXX)")
  else()
    message(NOTICE "lemica: no CUDA compiler found; CPU-only library")
  endif()
endif()

if(LEMICA_WITH_CUDA)
  find_path(LEMICA_NVTX_INCLUDE_DIR nvtx3/nvToolsExt.h
            HINTS ${CMAKE_CUDA_TOOLKIT_INCLUDE_DIRECTORIES})
endif()
