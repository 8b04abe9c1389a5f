#include "train_step.h"

#include "errors.h"

#include <cmath>

namespace normlab {

bool trainsChannelsLast(const ExperimentConfig &config)
{
    if (config.memoryFormat == "auto" && !fusedTailsByDefault())
        return false;
    return usesChannelsLast(config);
}

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const OptimizerConfig &c,
                                                       std::vector<torch::Tensor> params)
{
    switch (c.kind) {
    case OptimizerConfig::Kind::Sgd:
        return std::make_unique<torch::optim::SGD>(params, torch::optim::SGDOptions(c.lr)
                                                                   .momentum(c.momentum)
                                                                   .nesterov(c.nesterov)
                                                                   .weight_decay(c.weightDecay));
    case OptimizerConfig::Kind::Adam:
        return std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(c.lr)
                                                                    .betas({c.beta1, c.beta2})
                                                                    .weight_decay(c.weightDecay));
    case OptimizerConfig::Kind::AdamW:
        return std::make_unique<torch::optim::AdamW>(params, torch::optim::AdamWOptions(c.lr)
                                                                     .betas({c.beta1, c.beta2})
                                                                     .weight_decay(c.weightDecay));
    }
    throw ConfigError("config: unknown optimizer");
}

torch::Tensor trainingLoss(const torch::Tensor &logProbs, const torch::Tensor &labels,
                           double labelSmoothing)
{
    torch::Tensor nll = torch::nll_loss(logProbs, labels);
    if (labelSmoothing <= 0)
        return nll;
    return (1.0 - labelSmoothing) * nll - labelSmoothing * logProbs.mean(1).mean();
}

StepOutcome trainStep(Net &model, torch::optim::Optimizer &optimizer, const torch::Tensor &images,
                      const torch::Tensor &labels, double labelSmoothing,
                      const std::function<void()> &beforeUpdate)
{
    StepOutcome outcome;
    optimizer.zero_grad();
    outcome.output = model->forward(images);
    const torch::Tensor loss = trainingLoss(outcome.output, labels, labelSmoothing);
    outcome.loss = loss.item<double>();
    outcome.finite = std::isfinite(outcome.loss);
    if (!outcome.finite)
        return outcome;
    loss.backward();
    if (beforeUpdate)
        beforeUpdate();
    optimizer.step();
    return outcome;
}

} // namespace normlab
