// A learning-rate range test as the store keeps it, built once for both faces.
#pragma once

#include "config.h"
#include "lr_range_test.h"
#include "run_store.h"

#include <cstdint>

namespace normlab {

// Records `result` of a test of `config` with `options` (for run `runId`, 0 for none); returns
// the test's id. Throws StoreError.
std::int64_t recordLrTest(RunStore &store, std::int64_t runId, const ExperimentConfig &config,
                          const LrRangeTestOptions &options, const LrRangeResult &result);

} // namespace normlab
