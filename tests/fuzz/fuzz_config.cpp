// Config text: any bytes end as a config that validates and round-trips, or as a ConfigError
// naming what is wrong; never another exception, a crash or a hang.
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
    ExperimentConfig config;
    try {
        config = configFromJson(parseConfigText(text, "fuzz.json"));
    } catch (const ConfigError &) {
        return 0;
    }
    // Accepted: it validates, and what it writes reads back as the same config.
    validate(config);
    if (toJson(configFromJson(toJson(config))) != toJson(config))
        std::abort();
    return 0;
}
