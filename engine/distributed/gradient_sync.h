// What keeps the ranks of a data-parallel run one model: parameters and buffers from rank 0 at
// the start, and after each backward pass every gradient averaged over the ranks, flattened into
// buckets of a capped size so that a step makes a few large all-reduces rather than one per
// parameter (as PyTorch's DDP does).
#pragma once

#include "process_group.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace normlab {

// DDP's default bucket.
constexpr std::size_t kGradientBucketBytes = 25u << 20;

// In place on every rank: rank 0's values of `tensors` (parameters and buffers).
void broadcastFromRoot(ProcessGroup &group, const std::vector<torch::Tensor> &tensors);

// In place on every rank: each parameter's gradient, summed over the ranks and divided by their
// number. A parameter without a gradient on this rank counts as a zero gradient (it gets one).
// Keeps its flat buckets from step to step (a training run averages the same shapes each time).
class GradientAverager
{
public:
    explicit GradientAverager(std::size_t bucketBytes = kGradientBucketBytes)
        : m_bucketBytes(bucketBytes)
    {
    }
    void average(ProcessGroup &group, const std::vector<torch::Tensor> &parameters);

private:
    std::size_t m_bucketBytes;
    std::vector<std::vector<std::int64_t>> m_layout; // per bucket, its gradients' sizes
    std::vector<torch::Tensor> m_flat; // per bucket
};

// One GradientAverager's step, for a single use.
void averageGradients(ProcessGroup &group, const std::vector<torch::Tensor> &parameters,
                      std::size_t bucketBytes = kGradientBucketBytes);

} // namespace normlab
