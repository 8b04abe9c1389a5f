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
        FastDropout dropout{nullptr};
    };

    ModelSpec m_spec;
    std::vector<Layer> m_layers;
};
TORCH_MODULE(Net);

} // namespace normlab
