// Config text, read as a config file and as a run's recorded config: any bytes end as a config that
// validates and round-trips, or as a ConfigError naming what is wrong; never another exception, a
// crash or a hang.
#include "config.h"
#include "config_json.h"
#include "errors.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace normlab;
    const std::string text(reinterpret_cast<const char *>(data), size);
    nlohmann::json json;
    try {
        json = parseConfigText(text, "fuzz.json");
    } catch (const ConfigError &) {
        return 0;
    }
    // As a file a person gives (its preset fills in the rest), and as a run's record.
    for (const bool recorded : {false, true}) {
        ExperimentConfig config;
        try {
            config = recorded ? recordedConfigFromJson(json) : configFromJson(json);
        } catch (const ConfigError &) {
            continue;
        }
        // Accepted: it validates, and what it writes reads back as the same config.
        validate(config);
        if (toJson(recordedConfigFromJson(toJson(config))) != toJson(config))
            std::abort();
    }
    return 0;
}
