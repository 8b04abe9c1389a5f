// Where one training step spends its time: waiting for data, forward, loss, backward, optimizer.
// For normlab-bench --profile; the trainer itself is not instrumented.
#pragma once

#include "config.h"
#include "dataset.h"

namespace normlab {

struct StepProfile
{
    int steps = 0;
    double dataMs = 0; // waiting for the next batch
    double forwardMs = 0;
    double lossMs = 0;
    double backwardMs = 0;
    double optimizerMs = 0; // zero_grad + step
    double totalMs() const { return dataMs + forwardMs + lossMs + backwardMs + optimizerMs; }
};

// Mean milliseconds per step over `steps` steps, after `warmup` steps not counted.
StepProfile profileTrainingStep(const ExperimentConfig &config, const Dataset &train, int steps, int warmup = 10);

} // namespace normlab
