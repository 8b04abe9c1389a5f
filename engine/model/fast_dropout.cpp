#include "fast_dropout.h"

#include "dropout_hash.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <mutex>

namespace normlab {

std::uint64_t nextDropoutSeed()
{
    auto *generator = at::detail::getDefaultCPUGenerator().get<at::CPUGeneratorImpl>();
    std::lock_guard lock(generator->mutex_);
    return generator->random64();
}

torch::Tensor dropoutMask(const torch::Tensor &like, double p, std::uint64_t seed)
{
    TORCH_CHECK(like.numel() < (std::int64_t(1) << 32), "dropout: more than 2^32 elements");
    torch::Tensor mask = torch::empty_like(like, like.options().dtype(torch::kFloat));
    float *data = mask.data_ptr<float>();
    const DropoutHash keep(p, seed);
    at::parallel_for(0, mask.numel(), 16384, [&](std::int64_t first, std::int64_t last) {
        fillDropoutMask(keep, first, last - first, data + first);
    });
    return mask;
}

FastDropoutImpl::FastDropoutImpl(double p) : m_p(p)
{
    TORCH_CHECK(p >= 0.0 && p < 1.0, "dropout probability must be in [0, 1)");
}

namespace {

bool takesHashMask(const torch::Tensor &input)
{
    // CUDA has a fused kernel; other layouts and dtypes keep LibTorch's own dropout.
    return input.device().is_cpu() && input.is_non_overlapping_and_dense()
            && (input.scalar_type() == torch::kFloat || input.scalar_type() == torch::kDouble);
}

} // namespace

torch::Tensor FastDropoutImpl::forward(const torch::Tensor &input)
{
    if (!is_training() || m_p == 0.0)
        return input;
    if (!takesHashMask(input))
        return torch::dropout(input, m_p, true);
    return forward(input, nextDropoutSeed());
}

torch::Tensor FastDropoutImpl::forward(const torch::Tensor &input, std::uint64_t seed)
{
    if (!is_training() || m_p == 0.0)
        return input;
    if (!takesHashMask(input))
        return torch::dropout(input, m_p, true);
    return input * dropoutMask(input, m_p, seed).to(input.scalar_type());
}

} // namespace normlab
