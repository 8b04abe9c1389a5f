// Dropout whose mask is a hash of each element's offset and a per-call seed (dropout_hash.h), for
// the blocks the fused tail (fused_norm_block.h) does not take. LibTorch 1.13 draws the CPU mask
// with a serial bernoulli_, which took 32 of the 76 ms of an s8 training step at batch 64
// (measured); this keeps with probability 1 - p and scales by 1 / (1 - p), as LibTorch does, in
// one vectorised pass. The seed comes from LibTorch's default generator, so torch::manual_seed and
// a checkpointed generator state repeat the masks, whatever the thread count.
#pragma once

#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

namespace normlab {

class FastDropoutImpl : public torch::nn::Cloneable<FastDropoutImpl>
{
public:
    explicit FastDropoutImpl(double p = 0.5);
    void reset() override { }
    torch::Tensor forward(const torch::Tensor &input);
    // With the mask of this seed (dropoutMask below) on CPU float and double tensors; elsewhere
    // LibTorch's own dropout, which ignores the seed.
    torch::Tensor forward(const torch::Tensor &input, std::uint64_t seed);
    double p() const { return m_p; }

private:
    double m_p;
};
TORCH_MODULE(FastDropout);

// The mask alone (0 or 1 / (1 - p), shaped and laid out like `like`): the one fusedNormBlock
// applies for the same p and seed.
torch::Tensor dropoutMask(const torch::Tensor &like, double p, std::uint64_t seed);

// The next mask's seed, drawn from LibTorch's default CPU generator (so torch::manual_seed and a
// checkpointed generator state repeat it).
std::uint64_t nextDropoutSeed();

} // namespace normlab
