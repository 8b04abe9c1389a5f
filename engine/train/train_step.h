// One optimisation step exactly as the trainer takes it, so that the profiler and the check
// against PyTorch (tests/reference/test_pytorch_step) run the trainer's own step, not a copy.
// Pulls in <torch/torch.h> through net.h: include it only where LibTorch is needed.
#pragma once

#include "collectives.h"
#include "config.h"
#include "net.h"

#include <functional>
#include <memory>
#include <vector>

namespace normlab {

// The memory layout a run trains in: usesChannelsLast(config), except that "auto" stays NCHW when
// the fused tails are off (NORMLAB_FUSED=0): LibTorch's own channels-last BatchNorm and GroupNorm
// are far less accurate in float32 (a weight gradient 10 % off, tests/reference/
// test_pytorch_step), and "auto" chose channels-last for the fused kernel's speed.
bool trainsChannelsLast(const ExperimentConfig &config);

// The optimizer a config names, over these parameters.
std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const OptimizerConfig &config,
                                                       std::vector<torch::Tensor> parameters);

// The training loss of log-probabilities: the mean negative log-likelihood (PyTorch's
// F.nll_loss), with label smoothing mixed in as nn.CrossEntropyLoss(label_smoothing=e) does.
torch::Tensor trainingLoss(const torch::Tensor &logProbs, const torch::Tensor &labels,
                           double labelSmoothing);

struct StepOutcome
{
    torch::Tensor output; // the log-probabilities of the batch
    double loss = 0; // over every rank's batch in a data-parallel step
    bool finite = true; // false: the loss was not finite and no update was made
    bool stopped = false; // data-parallel: some rank asked to stop, and no update was made
};

// A data-parallel step's company: the other ranks, and whether this one was asked to stop (every
// rank learns of it before the update, so all stop after the same step).
struct RankStep
{
    Collectives *ranks = nullptr; // null: a single process, as no RankStep at all
    bool stopRequested = false;
};

// Zeroes the gradients, runs the batch forward, and, when the loss is finite, backward and one
// optimizer step. The gradients that made the update stay on the parameters until the next step.
// `beforeUpdate`, when set, runs between backward and the optimizer step (the per-layer
// statistics take the weights there, to measure the update). With `ranks`, the loss is averaged
// over the ranks before it is judged (one small all-reduce, which also carries the stop requests)
// and the gradients after backward, so every rank makes the same update.
StepOutcome trainStep(Net &model, torch::optim::Optimizer &optimizer, const torch::Tensor &images,
                      const torch::Tensor &labels, double labelSmoothing,
                      const std::function<void()> &beforeUpdate = {},
                      const RankStep *ranks = nullptr);

} // namespace normlab
