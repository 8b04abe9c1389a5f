#include "lr_range_test.h"

#include "batch_loader.h"
#include "errors.h"
#include "libtorch_error.h"
#include "train_step.h"

#include <cmath>
#include <sstream>

namespace normlab {

const char *const kLrSuggestionRule =
        "steepest descent of the smoothed loss, as torch-lr-finder suggests: the most negative "
        "gradient of the loss over the batches, the first 10 and last 5 left out";

void validate(const LrRangeTestOptions &o)
{
    auto require = [](bool ok, const std::string &message) {
        if (!ok)
            throw ConfigError("lr range test: " + message);
    };
    require(std::isfinite(o.startLr) && o.startLr > 0, "'start' must be a positive number");
    require(std::isfinite(o.endLr) && o.endLr > o.startLr, "'end' must be larger than 'start'");
    require(o.iterations >= 2 && o.iterations <= 100'000, "'iters' must be from 2 to 100000");
    require(o.smoothing >= 0 && o.smoothing < 1, "'smoothing' must be from 0 to below 1");
    require(std::isfinite(o.divergeFactor) && o.divergeFactor > 1,
            "'diverge' must be a number above 1");
    require(o.skipStart >= 0 && o.skipEnd >= 0, "the skips must not be negative");
}

int steepestDescentIndex(const std::vector<LrRangePoint> &points, int skipStart, int skipEnd)
{
    const int first = skipStart, last = static_cast<int>(points.size()) - 1 - skipEnd;
    if (last - first < 1)
        return -1;
    int best = -1;
    double steepest = 0;
    for (int i = first; i <= last; ++i) {
        const double gradient =
                i == first  ? points[i + 1].smoothedLoss - points[i].smoothedLoss
                : i == last ? points[i].smoothedLoss - points[i - 1].smoothedLoss
                            : (points[i + 1].smoothedLoss - points[i - 1].smoothedLoss) / 2;
        if (best < 0 || gradient < steepest) {
            best = i;
            steepest = gradient;
        }
    }
    return best;
}

namespace {

// Everything the test changes, to put back afterwards.
class Snapshot
{
public:
    Snapshot(Net &model, torch::optim::Optimizer &optimizer)
        : m_model(model), m_optimizer(optimizer), m_training(model->is_training()),
          m_random(at::detail::getDefaultCPUGenerator().get_state())
    {
        torch::NoGradGuard noGrad;
        for (const torch::Tensor &t : model->parameters())
            m_tensors.push_back(t.detach().clone());
        for (const torch::Tensor &t : model->buffers())
            m_tensors.push_back(t.detach().clone());
        for (const auto &group : optimizer.param_groups())
            m_lrs.push_back(group.options().get_lr());
        torch::serialize::OutputArchive archive;
        optimizer.save(archive);
        archive.save_to(m_optimizerState);
    }

    void restore()
    {
        torch::NoGradGuard noGrad;
        std::size_t i = 0;
        for (torch::Tensor &t : m_model->parameters()) {
            t.copy_(m_tensors[i++]);
            t.mutable_grad() = torch::Tensor();
        }
        for (torch::Tensor &t : m_model->buffers())
            t.copy_(m_tensors[i++]);
        torch::serialize::InputArchive archive;
        std::istringstream state(m_optimizerState.str());
        archive.load_from(state);
        m_optimizer.load(archive);
        for (std::size_t g = 0; g < m_lrs.size(); ++g)
            m_optimizer.param_groups()[g].options().set_lr(m_lrs[g]);
        m_model->train(m_training);
        at::Generator generator = at::detail::getDefaultCPUGenerator();
        generator.set_state(m_random);
    }

private:
    Net &m_model;
    torch::optim::Optimizer &m_optimizer;
    bool m_training;
    at::Tensor m_random;
    std::vector<torch::Tensor> m_tensors;
    std::vector<double> m_lrs;
    std::ostringstream m_optimizerState;
};

} // namespace

LrRangeResult runLrRangeTest(Net &model, torch::optim::Optimizer &optimizer, BatchLoader &loader,
                             double labelSmoothing, const LrRangeTestOptions &options,
                             const LrRangeCallbacks &callbacks)
{
    validate(options);
    Snapshot snapshot(model, optimizer);
    LrRangeResult result;
    model->train();
    int epoch = 0;
    loader.startEpoch(epoch);
    double best = 0;
    try {
        for (int i = 0; i < options.iterations; ++i) {
            if (callbacks.shouldStop && callbacks.shouldStop()) {
                result.stopped = true;
                break;
            }
            // Exponential steps that reach the end value at the last batch.
            const double lr = options.startLr * std::pow(options.endLr / options.startLr,
                                                         double(i) / (options.iterations - 1));
            for (auto &group : optimizer.param_groups())
                group.options().set_lr(lr);
            std::optional<Batch> batch = loader.next();
            if (!batch) {
                loader.startEpoch(++epoch);
                batch = loader.next();
            }
            const StepOutcome step =
                    trainStep(model, optimizer, batch->images, batch->labels, labelSmoothing);
            LrRangePoint point {lr, step.loss, step.loss};
            if (!step.finite) {
                result.diverged = true; // an infinite loss is as divergent as it gets
                break;
            }
            if (!result.points.empty())
                point.smoothedLoss = options.smoothing * step.loss +
                                     (1 - options.smoothing) * result.points.back().smoothedLoss;
            if (result.points.empty() || point.smoothedLoss < best)
                best = point.smoothedLoss;
            result.points.push_back(point);
            if (callbacks.onPoint)
                callbacks.onPoint(i, point);
            if (point.smoothedLoss > options.divergeFactor * best) {
                result.diverged = true;
                break;
            }
        }
    } catch (...) {
        snapshot.restore();
        throw;
    }
    snapshot.restore();
    result.suggestedIndex =
            steepestDescentIndex(result.points, options.skipStart, options.skipEnd);
    if (result.suggestedIndex >= 0)
        result.suggestedLr = result.points[result.suggestedIndex].lr;
    return result;
}

LrRangeResult lrRangeTest(const ExperimentConfig &config, const Dataset &train,
                          const LrRangeTestOptions &options, const LrRangeCallbacks &callbacks)
{
    normlab::validate(config);
    validate(options);
    torch::manual_seed(config.seed);
    const bool channelsLast = trainsChannelsLast(config);
    Net model(buildModelSpec(config.model, train.numClasses()));
    if (channelsLast)
        model->toChannelsLast();
    const std::unique_ptr<torch::optim::Optimizer> optimizer =
            makeOptimizer(config.optimizer, model->parameters());
    BatchLoaderOptions loaderOptions;
    loaderOptions.batchSize = config.batchSize;
    loaderOptions.workers = config.data.workers;
    loaderOptions.channelsLast = channelsLast;
    loaderOptions.dropLast = true;
    loaderOptions.seed = config.seed;
    BatchLoader loader(train, Augmenter(config.augment), config.normalize, loaderOptions);
    try {
        return runLrRangeTest(model, *optimizer, loader, config.labelSmoothing, options, callbacks);
    } catch (const c10::Error &e) {
        // Neither face knows LibTorch (see RunSession).
        throw computeError(e);
    }
}

} // namespace normlab
