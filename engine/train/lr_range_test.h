// Leslie Smith's learning-rate range test, as torch-lr-finder runs it: the learning rate grows
// exponentially from a start to an end value over N batches of training, the loss is smoothed
// (an exponential moving average), and the test stops early once the smoothed loss exceeds a
// multiple of the best so far. The suggestion is torch-lr-finder's: the learning rate at the
// steepest descent of the smoothed loss (the most negative gradient over the batches, leaving the
// first and last few out). The model and optimizer are put back as they were afterwards.
#pragma once

#include "config.h"
#include "dataset.h"
#include "metrics.h"
#include "net.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace torch::optim {
class Optimizer;
}

namespace normlab {

class BatchLoader;

struct LrRangeTestOptions
{
    double startLr = 1e-5;
    double endLr = 1.0;
    int iterations = 100; // batches
    double smoothing = 0.05; // weight of the newest loss in the moving average
    double divergeFactor = 5.0; // stop once the smoothed loss exceeds this times the best
    int skipStart = 10, skipEnd = 5; // batches the suggestion leaves out at either end
};

// Throws ConfigError naming the field.
void validate(const LrRangeTestOptions &options);

struct LrRangeResult
{
    std::vector<LrRangePoint> points;
    bool diverged = false; // stopped before the end value
    bool stopped = false; // asked to stop
    std::optional<double> suggestedLr; // none when too few points remain after the skips
    int suggestedIndex = -1;
};

// How the suggestion is chosen, in words, for the views.
extern const char *const kLrSuggestionRule;

// The steepest descent of the smoothed loss: argmin of its gradient over the points (numpy's
// gradient: central differences, one-sided at the ends), `skipStart` and `skipEnd` left out.
// -1 when fewer than two points remain.
int steepestDescentIndex(const std::vector<LrRangePoint> &points, int skipStart, int skipEnd);

struct LrRangeCallbacks
{
    std::function<void(int iteration, const LrRangePoint &)> onPoint;
    std::function<bool()> shouldStop; // checked between batches
};

// On `model` and `optimizer` as they are, with batches from `loader` (its next epoch started as
// needed); both are restored afterwards, and LibTorch's CPU random state with them, so training
// after the test is the training without it.
LrRangeResult runLrRangeTest(Net &model, torch::optim::Optimizer &optimizer, BatchLoader &loader,
                             double labelSmoothing, const LrRangeTestOptions &options,
                             const LrRangeCallbacks &callbacks = {});

// From a config: the model a run of it starts from (its seed), its optimizer, its augmented
// batches of `train`. Throws ConfigError for an invalid config or options.
LrRangeResult lrRangeTest(const ExperimentConfig &config, const Dataset &train,
                          const LrRangeTestOptions &options, const LrRangeCallbacks &callbacks = {});

} // namespace normlab
