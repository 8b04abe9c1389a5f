// The LibTorch module built from a ModelSpec. Include only where torch is needed: this header pulls
// in <torch/torch.h>.
#pragma once

#include "fast_dropout.h"
#include "model_spec.h"

#include <torch/torch.h>

#include <functional>
#include <string>

namespace normlab {

class Collectives;

// Sees each dropout mask a forward pass applies: the block's name and the mask (0 or 1 / (1 - p),
// shaped and laid out like the block's output). For checks against another implementation,
// which must apply the very same masks (tests/reference/test_pytorch_step).
using DropoutObserver = std::function<void(const std::string &block, const torch::Tensor &mask)>;

// Sees each layer's output during a forward pass, by the layer's name (the classifier's before
// its log_softmax: the class scores), in the autograd graph: for Grad-CAM (TrainedModel).
using ActivationObserver = std::function<void(const LayerSpec &layer, const torch::Tensor &output)>;

// Sees each conv block during a forward pass: its index among the blocks (its depth), its spec,
// and its input, its convolution's output and its output (after ReLU, norm, dropout and the skip).
// For the per-layer statistics (engine/train/layer_stats).
struct BlockView
{
    int index = 0;
    const LayerSpec *spec = nullptr;
    torch::Tensor input, conv, output;
};
using BlockObserver = std::function<void(const BlockView &block)>;

// A conv block's parameters and buffers, for the per-layer statistics. Undefined tensors where
// the block has none (no norm, no affine, no running statistics).
struct BlockTensors
{
    const LayerSpec *spec = nullptr;
    torch::Tensor convWeight, normWeight, normBias, runningMean, runningVar;
    double eps = 1e-5;
};

// Whether nets take the fused tails unless told otherwise: yes, but for NORMLAB_FUSED=0 in the
// environment (for before/after timings and for ruling the fused kernel in or out).
bool fusedTailsByDefault();

class NetImpl : public torch::nn::Module
{
public:
    explicit NetImpl(ModelSpec spec);

    // Log-probabilities, [N, classes].
    torch::Tensor forward(torch::Tensor x);

    const ModelSpec &spec() const { return m_spec; }
    std::int64_t parameterCount() const;
    // Stores the convolution weights channels-last, to match channels-last input batches.
    void toChannelsLast();

    // Whether conv-block tails may take the fused kernel (fused_norm_block.h) and depthwise
    // convolutions their own weight gradient (depthwise_conv.h); on by default, off when the
    // environment says NORMLAB_FUSED=0. Off, every layer is LibTorch's own ops.
    void setFused(bool fused) { m_fused = m_depthwiseKernel = fused; }
    bool fused() const { return m_fused; }
    // The depthwise half of setFused alone, to compare or time it by itself.
    void setDepthwiseKernel(bool on) { m_depthwiseKernel = on; }
    // Synchronised BatchNorm: in training, every BatchNorm normalises with the statistics of the
    // whole global batch, summed over these ranks (null: this process's batch alone). Needs the
    // fused tails; a BatchNorm that cannot take them throws. Must outlive every backward pass.
    void setSyncBatchNorm(Collectives *ranks) { m_syncBatchNorm = ranks; }
    void setDropoutObserver(DropoutObserver observer) { m_dropoutObserver = std::move(observer); }
    void setActivationObserver(ActivationObserver observer)
    {
        m_activationObserver = std::move(observer);
    }

    void setBlockObserver(BlockObserver observer) { m_blockObserver = std::move(observer); }
    // The conv blocks, in order.
    std::vector<BlockTensors> blocks() const;

private:
    struct Layer
    {
        const LayerSpec *spec = nullptr;
        torch::nn::Conv2d conv {nullptr};
        bool depthwise = false; // one filter per channel, stride 1: depthwise_conv.h may run it
        torch::nn::AnyModule norm; // empty when the spec has no norm
        // The same module, typed, for the fused path: one of these is set when `norm` is.
        torch::nn::BatchNorm2d batchNorm {nullptr};
        torch::nn::GroupNorm groupNorm {nullptr};
        torch::nn::LayerNorm layerNorm {nullptr};
        torch::nn::InstanceNorm2d instanceNorm {nullptr};
        FastDropout dropout {nullptr};
        // SqueezeExcite
        torch::nn::Conv2d squeeze {nullptr}, excite {nullptr};
    };

    static void makeNorm(const ModelSpec &spec, int channels, int h, int w, Layer &layer);
    // relu -> norm -> dropout (+ skip, where defined) as one fused function, or an undefined
    // tensor where the tensors or the norm do not qualify (CUDA, LayerNorm with an elementwise
    // affine, no norm).
    torch::Tensor fusedTail(Layer &layer, const torch::Tensor &conv, const torch::Tensor &skip);
    torch::Tensor unfusedTail(Layer &layer, const torch::Tensor &conv, const torch::Tensor &skip);
    static torch::Tensor squeezeExcite(Layer &layer, const torch::Tensor &x);
    // The layer's convolution: depthwise_conv.h's where it applies and the fast paths are on
    // (training on the CPU), LibTorch's otherwise.
    torch::Tensor convolve(Layer &layer, const torch::Tensor &x);

    torch::Tensor dropout(Layer &layer, const torch::Tensor &y);

    ModelSpec m_spec;
    std::vector<Layer> m_layers;
    std::vector<bool> m_skipSource; // whether a skip starts at the layer's input
    bool m_fused = true;
    bool m_depthwiseKernel = true;
    Collectives *m_syncBatchNorm = nullptr;
    DropoutObserver m_dropoutObserver;
    ActivationObserver m_activationObserver;
    BlockObserver m_blockObserver;
};
TORCH_MODULE(Net);

} // namespace normlab
