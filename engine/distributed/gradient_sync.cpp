#include "gradient_sync.h"

#include <torch/torch.h>

namespace normlab {

namespace {

// Consecutive tensors of one dtype, at most `bucketBytes` together (a larger tensor alone).
std::vector<std::vector<torch::Tensor>> buckets(const std::vector<torch::Tensor> &tensors,
                                                std::size_t bucketBytes)
{
    std::vector<std::vector<torch::Tensor>> out;
    std::size_t bytes = 0;
    for (const torch::Tensor &t : tensors) {
        const std::size_t size = static_cast<std::size_t>(t.numel()) * t.element_size();
        if (out.empty() || bytes + size > bucketBytes ||
            out.back().front().scalar_type() != t.scalar_type()) {
            out.emplace_back();
            bytes = 0;
        }
        out.back().push_back(t);
        bytes += size;
    }
    return out;
}

// One all-reduce (or broadcast) per bucket over a flat copy, the results copied back in place.
template<typename Collective>
void throughFlatBuckets(const std::vector<torch::Tensor> &tensors, std::size_t bucketBytes,
                        Collective collective)
{
    torch::NoGradGuard noGrad;
    for (const std::vector<torch::Tensor> &bucket : buckets(tensors, bucketBytes)) {
        std::vector<torch::Tensor> pieces;
        pieces.reserve(bucket.size());
        for (const torch::Tensor &t : bucket)
            pieces.push_back(t.reshape({-1}));
        std::vector<torch::Tensor> flat = {torch::cat(pieces)};
        collective(flat);
        std::int64_t offset = 0;
        for (const torch::Tensor &t : bucket) {
            t.copy_(flat[0].narrow(0, offset, t.numel()).view(t.sizes()));
            offset += t.numel();
        }
    }
}

} // namespace

void broadcastFromRoot(ProcessGroup &group, const std::vector<torch::Tensor> &tensors)
{
    if (group.worldSize() == 1)
        return;
    throughFlatBuckets(tensors, kGradientBucketBytes,
                       [&](std::vector<torch::Tensor> &flat) { group.broadcast(flat, 0); });
}

void GradientAverager::average(ProcessGroup &group, const std::vector<torch::Tensor> &parameters)
{
    if (group.worldSize() == 1)
        return;
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> gradients;
    gradients.reserve(parameters.size());
    for (const torch::Tensor &p : parameters) {
        if (!p.requires_grad())
            continue;
        if (!p.grad().defined())
            p.mutable_grad() = torch::zeros_like(p);
        gradients.push_back(p.grad());
    }
    const std::vector<std::vector<torch::Tensor>> plan = buckets(gradients, m_bucketBytes);
    std::vector<std::vector<std::int64_t>> layout;
    for (const std::vector<torch::Tensor> &bucket : plan) {
        layout.emplace_back();
        for (const torch::Tensor &t : bucket)
            layout.back().push_back(t.numel());
    }
    if (layout != m_layout) {
        m_layout = std::move(layout);
        m_flat.clear();
        for (std::size_t b = 0; b < plan.size(); ++b) {
            std::int64_t n = 0;
            for (std::int64_t numel : m_layout[b])
                n += numel;
            m_flat.push_back(torch::empty({n}, plan[b].front().options()));
        }
    }
    const double ranks = group.worldSize();
    for (std::size_t b = 0; b < plan.size(); ++b) {
        std::int64_t offset = 0;
        for (const torch::Tensor &t : plan[b]) {
            m_flat[b].narrow(0, offset, t.numel()).view(t.sizes()).copy_(t);
            offset += t.numel();
        }
        std::vector<torch::Tensor> flat {m_flat[b]};
        group.allReduceSum(flat);
        m_flat[b].div_(ranks);
        offset = 0;
        for (const torch::Tensor &t : plan[b]) {
            t.copy_(m_flat[b].narrow(0, offset, t.numel()).view(t.sizes()));
            offset += t.numel();
        }
    }
}

void averageGradients(ProcessGroup &group, const std::vector<torch::Tensor> &parameters,
                      std::size_t bucketBytes)
{
    GradientAverager(bucketBytes).average(group, parameters);
}

} // namespace normlab
