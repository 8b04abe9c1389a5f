// Runs written straight into a store, as a training run leaves them (created, started, its epochs,
// finished), for the tests of what reads the store: no training, so they take milliseconds.
#pragma once

#include "config.h"
#include "metrics.h"
#include "run_store.h"

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
    RunState end = RunState::Finished;
};

std::int64_t recordRun(RunStore &store, const RecordedRun &run);

} // namespace normlab::test
