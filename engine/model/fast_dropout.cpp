#include "fast_dropout.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <mutex>

namespace normlab {

namespace {

// Fixed-size blocks, each with its own generator stream: the mask does not depend on how the
// blocks are spread over threads.
constexpr std::int64_t kBlock = 4096;

std::uint64_t splitmix64(std::uint64_t &state)
{
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

std::uint64_t nextSeed()
{
    auto *generator = at::detail::getDefaultCPUGenerator().get<at::CPUGeneratorImpl>();
    std::lock_guard lock(generator->mutex_);
    return generator->random64();
}

} // namespace

torch::Tensor dropoutMask(const torch::Tensor &like, double p, std::uint64_t seed)
{
    torch::Tensor mask = torch::empty_like(like, like.options().dtype(torch::kFloat));
    float *data = mask.data_ptr<float>();
    const std::int64_t n = mask.numel();
    const float keep = static_cast<float>(1.0 / (1.0 - p));
    // Compare 32 random bits with p scaled to 2^32.
    const auto threshold = static_cast<std::uint64_t>(p * 4294967296.0);
    const std::int64_t blocks = (n + kBlock - 1) / kBlock;
    at::parallel_for(0, blocks, 1, [&](std::int64_t first, std::int64_t last) {
        for (std::int64_t b = first; b < last; ++b) {
            std::uint64_t state = seed ^ (static_cast<std::uint64_t>(b) * 0xD1B54A32D192ED03ULL);
            const std::int64_t end = std::min(n, (b + 1) * kBlock);
            for (std::int64_t i = b * kBlock; i < end; i += 2) {
                const std::uint64_t r = splitmix64(state);
                data[i] = (r & 0xFFFFFFFFULL) < threshold ? 0.0f : keep;
                if (i + 1 < end)
                    data[i + 1] = (r >> 32) < threshold ? 0.0f : keep;
            }
        }
    });
    return mask;
}

FastDropoutImpl::FastDropoutImpl(double p) : m_p(p)
{
    TORCH_CHECK(p >= 0.0 && p < 1.0, "dropout probability must be in [0, 1)");
}

torch::Tensor FastDropoutImpl::forward(const torch::Tensor &input)
{
    if (!is_training() || m_p == 0.0)
        return input;
    // CUDA has a fused kernel; other layouts and dtypes keep LibTorch's own dropout.
    if (!input.device().is_cpu() || input.scalar_type() != torch::kFloat || !input.is_non_overlapping_and_dense())
        return torch::dropout(input, m_p, true);
    return input * dropoutMask(input, m_p, nextSeed());
}

} // namespace normlab
