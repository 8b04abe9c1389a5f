#include "blas_probe.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <chrono>
#include <dlfcn.h>
#include <filesystem>

namespace normlab {

namespace {

std::string blasLibrary()
{
    void *symbol = dlsym(RTLD_DEFAULT, "sgemm_");
    Dl_info info {};
    if (!symbol || !dladdr(symbol, &info) || !info.dli_fname)
        return {};
    // libblas.so.3 is a Debian alternative: the link's target says which BLAS it is.
    std::error_code ec;
    const auto resolved = std::filesystem::canonical(info.dli_fname, ec);
    return ec ? std::string(info.dli_fname) : resolved.string();
}

} // namespace

BlasProbe probeBlas(int size, double seconds)
{
    BlasProbe probe;
    probe.size = size;
    probe.threads = at::get_num_threads();
    const at::Tensor a = at::randn({size, size});
    const at::Tensor b = at::randn({size, size});
    using Clock = std::chrono::steady_clock;
    const auto warmupStart = Clock::now();
    at::Tensor c = at::mm(a, b); // warm-up: first-call allocations and thread start-up
    // Looked up after the first product, when LibTorch has certainly loaded the BLAS.
    probe.library = blasLibrary();
    const double n = size;
    const double warmup = std::chrono::duration<double>(Clock::now() - warmupStart).count();
    if (warmup >= seconds) { // a slow BLAS: one product is measure enough
        probe.gflops = 2.0 * n * n * n / warmup / 1e9;
        return probe;
    }
    const auto start = Clock::now();
    int products = 0;
    double elapsed = 0;
    do {
        at::mm_out(c, a, b);
        ++products;
        elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < seconds);
    probe.gflops = 2.0 * n * n * n * products / elapsed / 1e9;
    return probe;
}

} // namespace normlab
