// Checkpoints: model, optimizer and scheduler state, the epoch reached and the RNG, written
// atomically (temporary file, then rename) so a crash never leaves a half-written file behind.
#pragma once

#include "lr_scheduler.h"
#include "net.h"
#include "weight_average.h"

#include <string>

namespace normlab {

struct CheckpointMeta
{
    int epoch = 0; // epochs completed
    double bestTestLoss = 0;
    int bestEpoch = 0;
    std::string configJson;
};

// `average`: the run's weight average (EMA), kept beside the model's own weights.
void saveCheckpoint(const std::string &path, Net &model, torch::optim::Optimizer &optimizer,
                    const LrScheduler &scheduler, const CheckpointMeta &meta,
                    const WeightAverage *average = nullptr);

// Throws InputError naming the file when it is missing or not a NormLab checkpoint.
CheckpointMeta loadCheckpoint(const std::string &path, Net &model,
                              torch::optim::Optimizer &optimizer, LrScheduler &scheduler,
                              WeightAverage *average = nullptr);

// Only the model's weights, for inference (the weight average where the run kept one: the weights
// it evaluated); returns the epochs the checkpoint had completed.
// Throws InputError naming the file.
int loadCheckpointModel(const std::string &path, Net &model);

} // namespace normlab
