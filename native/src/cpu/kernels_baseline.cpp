// The CPU kernels built for the baseline instruction set (flags in CMakeLists.txt).
#define LEMICA_CPU_ISA baseline
#include "kernels.inl"
