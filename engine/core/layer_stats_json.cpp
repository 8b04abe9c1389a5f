#include "layer_stats_json.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>

namespace normlab {

std::string layerStatsRowJson(const LayerStatsRow &row)
{
    nlohmann::json object = nlohmann::json::object();
    for (int i = 0; i < kLayerStatCount; ++i) {
        const double v = row.values[static_cast<std::size_t>(i)];
        object[std::string(layerStatName(static_cast<LayerStat>(i)))] =
                std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
    }
    return object.dump();
}

LayerStatsRow layerStatsRowFromJson(const std::string &text)
{
    LayerStatsRow row;
    row.values.fill(std::numeric_limits<double>::quiet_NaN());
    const nlohmann::json object = nlohmann::json::parse(text, nullptr, false);
    if (!object.is_object())
        return row;
    for (int i = 0; i < kLayerStatCount; ++i) {
        const auto it = object.find(std::string(layerStatName(static_cast<LayerStat>(i))));
        if (it != object.end() && it->is_number())
            row.values[static_cast<std::size_t>(i)] = it->get<double>();
    }
    return row;
}

} // namespace normlab
