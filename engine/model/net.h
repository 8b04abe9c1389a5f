// The LibTorch module built from a ModelSpec. Include only where torch is needed: this header pulls
// in <torch/torch.h>.
#pragma once

#include "fast_dropout.h"
#include "model_spec.h"

#include <torch/torch.h>

namespace normlab {

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

private:
    struct Layer
    {
        const LayerSpec *spec = nullptr;
        torch::nn::Conv2d conv{nullptr};
        torch::nn::AnyModule norm; // empty when the spec has no norm
        // The same module, typed, for the fused path: one of these is set when `norm` is.
        torch::nn::BatchNorm2d batchNorm{nullptr};
        torch::nn::GroupNorm groupNorm{nullptr};
        torch::nn::LayerNorm layerNorm{nullptr};
        torch::nn::InstanceNorm2d instanceNorm{nullptr};
        FastDropout dropout{nullptr};
    };

    // relu -> norm -> dropout (+ x) as one fused function, or an undefined tensor where the
    // tensors or the norm do not qualify (CUDA, LayerNorm with an elementwise affine, no norm).
    static void makeNorm(const ModelSpec &spec, int channels, int h, int w, Layer &layer);
    torch::Tensor fusedTail(Layer &layer, const torch::Tensor &conv, const torch::Tensor &x);
    torch::Tensor unfusedTail(Layer &layer, const torch::Tensor &conv, const torch::Tensor &x);

    ModelSpec m_spec;
    std::vector<Layer> m_layers;
};
TORCH_MODULE(Net);

} // namespace normlab
