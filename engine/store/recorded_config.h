// The config a run was recorded with, parsed back into the engine's types. A store-level read, so
// that exporters and views can rebuild a run's dataset or model without the training session.
#pragma once

#include "config.h"

namespace normlab {

struct RunRecord;

// Throws StoreError (the recorded JSON is unreadable) or ConfigError (NormLab no longer accepts
// it), naming the run.
ExperimentConfig recordedConfig(const RunRecord &record);

} // namespace normlab
