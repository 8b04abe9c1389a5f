// JSON form of ExperimentConfig, the schema documented in docs/config.md. Reading is strict: an
// unknown key, a wrong type or an out-of-range value throws ConfigError naming the key.
#pragma once

#include "config.h"

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace normlab {

nlohmann::json toJson(const ExperimentConfig &config);

// Applies the keys present in `json` on top of `base` (a preset, or the defaults). A "preset" key
// selects the base first, so a file can say {"preset": "s9", "epochs": 5}.
ExperimentConfig configFromJson(const nlohmann::json &json, ExperimentConfig base = {});

// Reads a whole config as toJson wrote it (a run's record, the GUI's last form). A key it lacks was
// written before that key existed, so it takes the default the run had, not today's value in the
// preset it names; "preset" is read as the name only (a preset since renamed still reads).
ExperimentConfig recordedConfigFromJson(const nlohmann::json &json);
// A run's record as that run ran it, in today's form: every key, a missing one at the default the
// run had. A record this NormLab no longer reads comes back as recorded, so that views listing,
// grouping or comparing runs still show what they can.
nlohmann::json recordedConfigJson(const nlohmann::json &json);

// Parses a config file's JSON without applying it; errors name the file.
nlohmann::json readConfigJson(const std::string &path);
// The same for text from elsewhere (`source` names it in messages): a key given twice in one
// object is a ConfigError, not a silent "last one wins".
nlohmann::json parseConfigText(const std::string &text, const std::string &source);

// Reads a config file; errors name the file.
ExperimentConfig loadConfigFile(const std::string &path);
void saveConfigFile(const ExperimentConfig &config, const std::string &path);

} // namespace normlab
