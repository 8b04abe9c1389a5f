#include "weight_average.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace normlab {

WeightAverage::WeightAverage(Net &net, double decay) : m_decay(decay)
{
    torch::NoGradGuard noGrad;
    for (const torch::Tensor &p : net->parameters())
        m_live.push_back(p);
    for (const torch::Tensor &b : net->buffers())
        if (b.is_floating_point()) // not BatchNorm's step count
            m_live.push_back(b);
    for (const torch::Tensor &t : m_live)
        m_average.push_back(t.detach().clone());
}

double WeightAverage::currentDecay() const
{
    const auto n = static_cast<double>(m_updates);
    return std::min(m_decay, (1.0 + n) / (10.0 + n));
}

void WeightAverage::update()
{
    torch::NoGradGuard noGrad;
    const double d = currentDecay();
    for (std::size_t i = 0; i < m_live.size(); ++i)
        m_average[i].mul_(d).add_(m_live[i].detach(), 1.0 - d);
    ++m_updates;
}

void WeightAverage::swap()
{
    torch::NoGradGuard noGrad;
    for (std::size_t i = 0; i < m_live.size(); ++i) {
        const torch::Tensor live = m_live[i].detach().clone();
        m_live[i].detach().copy_(m_average[i]);
        m_average[i].copy_(live);
    }
}

void WeightAverage::save(torch::serialize::OutputArchive &archive) const
{
    archive.write("updates", c10::IValue(m_updates));
    for (std::size_t i = 0; i < m_average.size(); ++i)
        archive.write("t" + std::to_string(i), m_average[i], /*is_buffer=*/true);
}

void WeightAverage::load(torch::serialize::InputArchive &archive)
{
    c10::IValue updates;
    archive.read("updates", updates);
    torch::NoGradGuard noGrad;
    for (std::size_t i = 0; i < m_average.size(); ++i) {
        torch::Tensor t;
        archive.read("t" + std::to_string(i), t, /*is_buffer=*/true);
        if (!t.sizes().equals(m_average[i].sizes()))
            throw std::runtime_error("the weight average does not fit this model");
        m_average[i].copy_(t);
    }
    m_updates = updates.toInt();
}

} // namespace normlab
