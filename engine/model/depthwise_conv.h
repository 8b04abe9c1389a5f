// A depthwise convolution (one k×k filter per channel, stride 1) as one autograd function whose
// weight gradient is computed here. LibTorch 1.13's CPU backward takes the weight gradient of a
// depthwise convolution through a path that is about ten times slower than the forward
// (5×5, 32 channels of 32×32, batch 64: forward 1.5 ms, input gradient 1.9 ms, weight gradient
// 16.8 ms), and the separable blocks of `tiny` have one such convolution each. The forward and the
// input gradient stay LibTorch's (oneDNN).
//
// The weight gradient is summed per sample in float, then over the samples in double, in a fixed
// order: the same bits for any thread count.
//
// CPU float tensors, the input channels-last; canRunDepthwiseConv says whether a call qualifies,
// and callers keep LibTorch's convolution for everything else.
#pragma once

#include <torch/types.h>

#include <cstdint>

namespace normlab {

bool canRunDepthwiseConv(const torch::Tensor &input, const torch::Tensor &weight);

// `weight` is [C, 1, k, k]; padding and dilation are the same along both axes.
torch::Tensor depthwiseConv2d(const torch::Tensor &input, const torch::Tensor &weight,
                              std::int64_t padding, std::int64_t dilation);

// The weight gradient alone, [C, 1, k, k], from the channels-last input and output gradient.
// Exposed for the tests and the benchmark.
torch::Tensor depthwiseConvWeightGrad(const torch::Tensor &input, const torch::Tensor &gradOutput,
                                      std::int64_t kernel, std::int64_t padding,
                                      std::int64_t dilation);

} // namespace normlab
