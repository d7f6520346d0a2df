// The CPU kernels built for the avx2 instruction set (flags in CMakeLists.txt).
#define LEMICA_CPU_ISA avx2
#include "kernels.inl"
