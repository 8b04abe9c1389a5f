#include "recorded_config.h"

#include "config_json.h"
#include "errors.h"
#include "run_store.h"

#include <nlohmann/json.hpp>

namespace normlab {

ExperimentConfig recordedConfig(const RunRecord &record)
{
    const auto json = nlohmann::json::parse(record.configJson, nullptr, false);
    if (json.is_discarded() || !json.is_object())
        throw StoreError("run " + std::to_string(record.id) +
                         ": its recorded config is not valid JSON");
    try {
        return recordedConfigFromJson(json);
    } catch (const ConfigError &e) {
        throw ConfigError("run " + std::to_string(record.id) + ": recorded config: " + e.what());
    }
}

} // namespace normlab
