// `normlab-cli runs inside RUN`: what a run's conv blocks did, as a layer x epoch table of one
// statistic, or every statistic of one epoch (docs/inside.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace normlab {
class RunStore;
}

namespace normlab::cli {

// `stat`: a statistic's name (layerStatName); InputError naming the known ones otherwise.
// `epoch`: every statistic of that epoch instead, a row per layer.
void printLayerStats(const RunStore &store, std::int64_t id, const std::string &stat,
                     std::optional<int> epoch, bool asJson);

} // namespace normlab::cli
