// The CPU kernels built for the avx512 instruction set (flags in CMakeLists.txt).
#define LEMICA_CPU_ISA avx512
#include "kernels.inl"
