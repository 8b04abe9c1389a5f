#include "step_profile.h"

#include "batch_loader.h"
#include "net.h"
#include "process_env.h"
#include "train_step.h"

#include <chrono>

namespace normlab {

StepProfile profileTrainingStep(const ExperimentConfig &config, const Dataset &train, int steps, int warmup)
{
    using Clock = std::chrono::steady_clock;
    tuneMemoryAllocator();
    torch::manual_seed(config.seed);
    const bool channelsLast = trainsChannelsLast(config);
    Net model(buildModelSpec(config.model, train.numClasses()));
    if (channelsLast)
        model->toChannelsLast();
    model->train();
    const std::unique_ptr<torch::optim::Optimizer> optimizer =
            makeOptimizer(config.optimizer, model->parameters());
    BatchLoaderOptions options;
    options.batchSize = config.batchSize;
    options.workers = config.data.workers;
    options.channelsLast = channelsLast;
    options.dropLast = true;
    BatchLoader loader(train, Augmenter(config.augment), config.normalize, options);

    StepProfile profile;
    int epoch = 0;
    loader.startEpoch(epoch);
    auto ms = [](Clock::time_point a, Clock::time_point b) {
        return std::chrono::duration<double, std::milli>(b - a).count();
    };
    for (int i = 0; i < warmup + steps; ++i) {
        const auto t0 = Clock::now();
        std::optional<Batch> batch = loader.next();
        if (!batch) {
            loader.startEpoch(++epoch);
            batch = loader.next();
        }
        const auto t1 = Clock::now();
        torch::Tensor out = model->forward(batch->images);
        const auto t2 = Clock::now();
        torch::Tensor loss = trainingLoss(out, batch->labels, config.labelSmoothing);
        loss.item<double>();
        const auto t3 = Clock::now();
        optimizer->zero_grad();
        loss.backward();
        const auto t4 = Clock::now();
        optimizer->step();
        const auto t5 = Clock::now();
        if (i < warmup)
            continue;
        ++profile.steps;
        profile.dataMs += ms(t0, t1);
        profile.forwardMs += ms(t1, t2);
        profile.lossMs += ms(t2, t3);
        profile.backwardMs += ms(t3, t4);
        profile.optimizerMs += ms(t4, t5);
    }
    if (profile.steps > 0) {
        for (double *v : {&profile.dataMs, &profile.forwardMs, &profile.lossMs, &profile.backwardMs, &profile.optimizerMs})
            *v /= profile.steps;
    }
    return profile;
}

} // namespace normlab
