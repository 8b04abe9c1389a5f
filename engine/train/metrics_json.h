// JSON form of training results, shared by the command line's --json output and metrics files.
#pragma once

#include "trainer.h"

#include <nlohmann/json_fwd.hpp>

namespace normlab {

nlohmann::json toJson(const BatchProgress &progress);
// `full`: include the confusion matrix and the misclassified images.
nlohmann::json toJson(const EpochMetrics &metrics, bool full = true);

} // namespace normlab
