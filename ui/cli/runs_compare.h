// `normlab-cli runs compare`: runs side by side, their seed groups as mean ± std, the config keys
// that differ, and test accuracy epoch by epoch.
#pragma once

#include "run_store.h"

#include <cstdint>
#include <vector>

namespace normlab::cli {

void printCompare(const RunStore &store, const std::vector<std::int64_t> &ids);

} // namespace normlab::cli
