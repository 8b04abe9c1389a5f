// The tail of a conv block, ReLU -> norm -> dropout (+ residual), as one autograd function whose
// forward and backward each make two passes over the activations. Unfused, LibTorch makes about
// eight full passes forward and ten backward (relu, the norm's statistics and normalisation,
// the dropout mask and its multiply, the add, and each of their gradients), and in an s8 or s9
// training step those passes took as long as the convolutions.
//
// The dropout mask is not stored: it is a hash of the element's memory offset and a per-call seed
// (dropoutKeeps in dropout_hash.h), recomputed in the backward pass.
//
// CPU tensors of float or double, contiguous or channels-last, with a residual (if any) laid out
// like the convolution's output. canFuseNormBlock says whether a call qualifies; callers keep the
// unfused path for everything else (CUDA, other layouts).
#pragma once

#include <torch/types.h>

#include <cstdint>

namespace normlab {

class Collectives;

struct FusedNormOptions
{
    enum class Stats {
        // BatchNorm: one mean and variance per channel, over N, H and W.
        PerChannel,
        // GroupNorm (LayerNorm over C, H, W is 1 group, InstanceNorm C groups): one mean and
        // variance per sample and group of channels.
        PerSampleGroup,
    };
    Stats stats = Stats::PerChannel;
    int groups = 1;
    double eps = 1e-5;
    // PerChannel only. With `useBatchStats` the batch's statistics normalise and update the
    // running ones (momentum as in torch::nn::BatchNorm2d); without, the running ones normalise.
    bool useBatchStats = true;
    double momentum = 0.1;
    torch::Tensor runningMean;
    torch::Tensor runningVar;
    torch::Tensor numBatchesTracked; // may be undefined
    // PerChannel with batch statistics only: synchronised BatchNorm. The statistics' sums (and
    // the matching sums of the backward pass) are summed over these ranks, so every rank
    // normalises with the whole global batch's mean and variance. Must outlive the backward pass.
    Collectives *sync = nullptr;
    // Dropout after the norm: 0 disables it.
    double dropout = 0;
    std::uint64_t seed = 0;
};

// Whether fusedNormBlock can take these tensors (weight and bias may be undefined: no affine).
bool canFuseNormBlock(const torch::Tensor &conv, const torch::Tensor &residual,
                      const torch::Tensor &weight, const torch::Tensor &bias);

// relu(conv), normalised, scaled by weight and shifted by bias per channel, dropout applied, plus
// residual when it is defined. Differentiable in conv, residual, weight and bias.
torch::Tensor fusedNormBlock(const torch::Tensor &conv, const torch::Tensor &residual,
                             const torch::Tensor &weight, const torch::Tensor &bias,
                             const FusedNormOptions &options);

} // namespace normlab
