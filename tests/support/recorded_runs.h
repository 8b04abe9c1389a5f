// Runs written straight into a store, as a training run leaves them (created, started, its epochs,
// finished), for the tests of what reads the store: no training, so they take milliseconds.
#pragma once

#include "config.h"
#include "metrics.h"
#include "run_store.h"
#include "test_support.h"

#include <cstdint>
#include <string>
#include <vector>

namespace normlab::test {

struct RecordedRun
{
    ExperimentConfig config; // its seed is the run's
    std::string name = "recorded";
    std::string sweep;
    std::vector<EpochMetrics> epochs;
    std::vector<LayerStatsSample> layerStats;
    std::vector<LayerHistogram> layerHistograms;
    RunState end = RunState::Finished;
    std::string parallel; // RunRecord::parallel
};

std::int64_t recordRun(RunStore &store, const RecordedRun &run);

// A finished run named "s8 BatchNorm" whose epoch e (from 1) has the test loss testLoss[e - 1], a
// train loss 0.1 above it, train accuracy 50 + e, test accuracy 40 + 10 e and a minute per epoch;
// its dataset has no class names.
std::int64_t recordRun(RunStore &store, std::uint64_t seed, const std::vector<double> &testLoss,
                       const ExperimentConfig &config = quickConfig(3));

} // namespace normlab::test
