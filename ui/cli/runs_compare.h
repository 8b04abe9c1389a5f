// `normlab-cli runs compare`: runs side by side, their seed groups as mean ± std, the config keys
// that differ, test accuracy per class and epoch by epoch; or a sweep by normalization.
#pragma once

#include "run_store.h"

#include <cstdint>
#include <string>
#include <vector>

namespace normlab::cli {

void printCompare(const RunStore &store, const std::vector<std::int64_t> &ids);
// A sweep's runs grouped by norm, mean ± std over each group, and per class: what the Comparison
// tab shows for it. Throws InputError when no run belongs to `sweep`.
void printSweepComparison(const RunStore &store, const std::string &sweep);

} // namespace normlab::cli
