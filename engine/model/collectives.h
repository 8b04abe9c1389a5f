// What a data-parallel run needs of its process group, as an interface, so that the net (for
// synchronised BatchNorm) and the trainer can take part in one without knowing c10d: the
// implementation on torch's Gloo process group is engine/distributed/gloo_collectives.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace normlab {

class Collectives
{
public:
    virtual ~Collectives() = default;

    virtual int rank() const = 0;
    virtual int worldSize() const = 0;

    // In place on every rank: rank 0's values.
    virtual void broadcastFromRoot(const std::vector<at::Tensor> &tensors) = 0;
    // In place on every rank: the elementwise sum over the ranks.
    virtual void allReduceSum(const std::vector<at::Tensor> &tensors) = 0;
    // In place on every rank: each parameter's gradient averaged over the ranks (a parameter
    // without a gradient counts as a zero one and gets one).
    virtual void averageGradients(const std::vector<at::Tensor> &parameters) = 0;
};

// Rank 0's `bytes`, on every rank (two broadcasts: the length, then the bytes).
std::string broadcastBytes(Collectives &ranks, const std::string &bytes);

} // namespace normlab
