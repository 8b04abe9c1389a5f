// Which BLAS LibTorch's matrix products run on, and how fast. Debian's LibTorch calls the generic
// libblas.so.3, which on a fresh system is netlib's reference BLAS (2.5 GFLOP/s for a 2048 SGEMM on
// 2 cores, against 126 with OpenBLAS): normlab-bench prints this first, so a slow one is seen.
#pragma once

#include <string>

namespace normlab {

struct BlasProbe
{
    std::string library; // the file that provides sgemm_, symlinks resolved; empty if none
    int size = 0; // n of the n x n x n product timed
    int threads = 0; // LibTorch's intra-op threads during the timing
    double gflops = 0; // 2 n^3 per product
};

// Times `size` x `size` float matrix products through LibTorch for about `seconds`, with LibTorch's
// current thread count.
BlasProbe probeBlas(int size = 2048, double seconds = 1.0);

} // namespace normlab
