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

void averageGradients(ProcessGroup &group, const std::vector<torch::Tensor> &parameters,
                      std::size_t bucketBytes)
{
    if (group.worldSize() == 1)
        return;
    std::vector<torch::Tensor> gradients;
    gradients.reserve(parameters.size());
    for (const torch::Tensor &p : parameters) {
        if (!p.requires_grad())
            continue;
        if (!p.grad().defined())
            p.mutable_grad() = torch::zeros_like(p);
        gradients.push_back(p.grad());
    }
    const double ranks = group.worldSize();
    throughFlatBuckets(gradients, bucketBytes, [&](std::vector<torch::Tensor> &flat) {
        group.allReduceSum(flat);
        flat[0].div_(ranks);
    });
}

} // namespace normlab
