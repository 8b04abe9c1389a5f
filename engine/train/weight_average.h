// An exponential moving average of a net's weights (EMA), as timm's ModelEmaV2: after each
// training step every parameter and floating buffer (BatchNorm's running statistics) moves
// towards the net's, avg = d x avg + (1 - d) x current, with TensorFlow's warm-up of the decay,
// d = min(decay, (1 + n) / (10 + n)) after n updates, so the first steps are not frozen in. The
// average is what is evaluated and what the checkpoints' predictions use; training goes on with
// the net's own weights. Pulls in <torch/torch.h> through net.h.
#pragma once

#include "net.h"

#include <cstdint>
#include <vector>

namespace normlab {

class WeightAverage
{
public:
    // Starts from the net's weights as they are.
    WeightAverage(Net &net, double decay);

    // After each optimizer step.
    void update();
    // The decay the next update uses.
    double currentDecay() const;
    std::int64_t updates() const { return m_updates; }

    // Exchanges the averaged weights with the net's: once to evaluate the average, once more to
    // train on.
    void swap();

    void save(torch::serialize::OutputArchive &archive) const;
    // Throws (c10::Error, std::runtime_error) when the archive does not fit this net.
    void load(torch::serialize::InputArchive &archive);

private:
    std::vector<torch::Tensor> m_live; // the net's parameters and floating buffers
    std::vector<torch::Tensor> m_average;
    double m_decay;
    std::int64_t m_updates = 0;
};

// Swaps a net to its average for a scope (an evaluation), and back however the scope ends.
class AveragedWeights
{
public:
    explicit AveragedWeights(WeightAverage *average) : m_average(average)
    {
        if (m_average)
            m_average->swap();
    }
    ~AveragedWeights()
    {
        if (m_average)
            m_average->swap();
    }
    AveragedWeights(const AveragedWeights &) = delete;
    AveragedWeights &operator=(const AveragedWeights &) = delete;

private:
    WeightAverage *m_average;
};

} // namespace normlab
