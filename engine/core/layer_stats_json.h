// A block's statistics as a JSON object of name -> value (null for NaN), as the store records
// them and the exports write them.
#pragma once

#include "layer_stats_types.h"

#include <string>

namespace normlab {

std::string layerStatsRowJson(const LayerStatsRow &row);
// Lenient: a statistic that is missing, null or not a number reads as NaN.
LayerStatsRow layerStatsRowFromJson(const std::string &text);

} // namespace normlab
