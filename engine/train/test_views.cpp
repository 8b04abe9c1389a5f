#include "test_views.h"

#include <cmath>

namespace normlab {

TestViews testViewsFor(const ExperimentConfig &config)
{
    TestViews views;
    views.flip = config.testTimeFlip;
    views.shift = config.testTimeShift;
    const NormalizeConfig &n = config.normalize;
    for (std::size_t c = 0; c < n.mean.size(); ++c)
        views.blackValue.push_back(
                n.enabled && c < n.std.size() && n.std[c] != 0 ? -n.mean[c] / n.std[c] : 0.0);
    return views;
}

torch::Tensor shiftedImages(const torch::Tensor &images, int dx, int dy,
                            const std::vector<double> &fill)
{
    const std::int64_t channels = images.size(1), height = images.size(2), width = images.size(3);
    torch::Tensor out = torch::empty_like(images);
    if (static_cast<std::int64_t>(fill.size()) == channels) {
        const torch::Tensor value = torch::tensor(fill, images.options()).view({1, channels, 1, 1});
        out.copy_(value.expand_as(images));
    } else {
        out.zero_();
    }
    const std::int64_t ax = std::abs(dx), ay = std::abs(dy);
    if (ax >= width || ay >= height)
        return out;
    const std::int64_t keepW = width - ax, keepH = height - ay;
    out.narrow(3, dx > 0 ? ax : 0, keepW)
            .narrow(2, dy > 0 ? ay : 0, keepH)
            .copy_(images.narrow(3, dx > 0 ? 0 : ax, keepW).narrow(2, dy > 0 ? 0 : ay, keepH));
    return out;
}

torch::Tensor viewAveragedLogProbs(Net &model, const torch::Tensor &images, const TestViews &views,
                                   torch::Tensor plainOutput)
{
    std::vector<torch::Tensor> inputs {images};
    if (views.shift > 0) {
        const int s = views.shift;
        for (const auto &[dx, dy] : {std::pair {s, 0}, {-s, 0}, {0, s}, {0, -s}})
            inputs.push_back(shiftedImages(images, dx, dy, views.blackValue));
    }
    std::vector<torch::Tensor> outputs;
    for (const torch::Tensor &input : inputs) {
        const bool plain = outputs.empty() && plainOutput.defined();
        outputs.push_back(plain ? plainOutput : model->forward(input));
        if (views.flip)
            outputs.push_back(model->forward(input.flip({3})));
    }
    if (outputs.size() == 1)
        return outputs.front();
    // log(mean(p)) = logsumexp(log p) - log(n): averaging probabilities, not logits.
    return torch::logsumexp(torch::stack(outputs), 0) -
           std::log(static_cast<double>(outputs.size()));
}

} // namespace normlab
