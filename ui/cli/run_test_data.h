// The data a recorded run was tested on, for the commands that look at its checkpoints again.
#pragma once

#include "dataset.h"

#include <string>

namespace normlab {
struct RunRecord;
}

namespace normlab::cli {

// The run's recorded data, or `source` (cifar10 or a path) when given. Throws DataError naming
// the recorded folder and the --data option when the recorded data cannot be read (a run
// recorded with a relative path before paths were recorded absolute, data since moved).
DatasetPair loadRunTestData(const RunRecord &record, const std::string &source);

// Whether `data` is the data the run recorded its epochs on (same fingerprint).
bool isRecordedData(const RunRecord &record, const DatasetPair &data);

} // namespace normlab::cli
