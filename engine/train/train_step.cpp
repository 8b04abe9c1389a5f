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

namespace {

// One parameter group, or two where the one-dimensional parameters (the norms' scales and shifts,
// biases) take no weight decay: timm's and most recipes' rule, by the parameter's shape.
template<typename Optimizer, typename Options>
std::unique_ptr<torch::optim::Optimizer>
withGroups(const OptimizerConfig &c, std::vector<torch::Tensor> params, const Options &options)
{
    if (c.decayNormAndBias || c.weightDecay == 0.0)
        return std::make_unique<Optimizer>(std::move(params), options);
    std::vector<torch::Tensor> decayed, kept;
    for (torch::Tensor &p : params)
        (p.dim() <= 1 ? kept : decayed).push_back(p);
    Options noDecay = options;
    noDecay.weight_decay(0.0);
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(decayed, std::make_unique<Options>(options));
    groups.emplace_back(kept, std::make_unique<Options>(noDecay));
    return std::make_unique<Optimizer>(std::move(groups), options);
}

} // namespace

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const OptimizerConfig &c,
                                                       std::vector<torch::Tensor> params)
{
    switch (c.kind) {
    case OptimizerConfig::Kind::Sgd:
        return withGroups<torch::optim::SGD>(c, std::move(params),
                                             torch::optim::SGDOptions(c.lr)
                                                     .momentum(c.momentum)
                                                     .nesterov(c.nesterov)
                                                     .weight_decay(c.weightDecay));
    case OptimizerConfig::Kind::Adam:
        return withGroups<torch::optim::Adam>(c, std::move(params),
                                              torch::optim::AdamOptions(c.lr)
                                                      .betas({c.beta1, c.beta2})
                                                      .weight_decay(c.weightDecay));
    case OptimizerConfig::Kind::AdamW:
        return withGroups<torch::optim::AdamW>(c, std::move(params),
                                               torch::optim::AdamWOptions(c.lr)
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
                      const std::function<void()> &beforeUpdate, const RankStep *ranks)
{
    StepOutcome outcome;
    optimizer.zero_grad();
    outcome.output = model->forward(images);
    const torch::Tensor loss = trainingLoss(outcome.output, labels, labelSmoothing);
    outcome.loss = loss.item<double>();
    if (ranks && !ranks->ranks)
        ranks = nullptr;
    if (ranks) {
        torch::Tensor shared =
                torch::tensor({outcome.loss, ranks->stopRequested ? 1.0 : 0.0}, torch::kDouble);
        ranks->ranks->allReduceSum({shared});
        outcome.loss = shared[0].item<double>() / ranks->ranks->worldSize();
        outcome.stopped = shared[1].item<double>() > 0;
    }
    outcome.finite = std::isfinite(outcome.loss);
    if (!outcome.finite || outcome.stopped)
        return outcome;
    loss.backward();
    if (ranks)
        ranks->ranks->averageGradients(model->parameters());
    if (beforeUpdate)
        beforeUpdate();
    optimizer.step();
    return outcome;
}

} // namespace normlab
