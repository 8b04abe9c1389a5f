// Planning a sweep, for both faces: the CLI's `sweep` and the desktop's Compare Normalizations.
// Every combination of the axes over a base config is made and validated before any run exists,
// so a combination the engine refuses leaves nothing half-queued; the runs' names, the sweep's id
// and what becomes of LayerNorm's affine parameters are decided here once.
#pragma once

#include "config.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace normlab {

// One swept config key (a path in the config's JSON form: "optimizer.lr", "model.norm", "seed")
// and its values.
struct SweepAxis
{
    std::string key;
    std::vector<nlohmann::json> values;
};

SweepAxis normAxis(const std::vector<NormKind> &norms);
// `count` seeds from `first` on.
SweepAxis seedAxis(std::uint64_t first, int count);

struct SweepOptions
{
    enum class Names {
        // "<prefix> norm=group seed=2": every swept key and its value (the CLI's grids).
        KeyValues,
        // "s8 GroupNorm, seed 2": the network and norm in words (runNameInWords).
        Words,
    };
    enum class LayerNorm {
        AsConfigured, // LayerNorm points keep the base config's affine setting
        // As the reference study's LayerNorm: no learnable scale and shift (48,072 parameters in
        // s8), whatever the base config says.
        Reference,
    };
    std::string namePrefix;
    Names names = Names::KeyValues;
    LayerNorm layerNorm = LayerNorm::AsConfigured;
};

struct PlannedRun
{
    ExperimentConfig config;
    std::string name;
    std::string label; // "norm=group seed=2"
};

struct SweepPlan
{
    std::string id; // "sweep-YYYYmmdd-HHMMSS", the runs' group in the store
    std::vector<PlannedRun> runs;
    // Some LayerNorm run keeps a learnable scale and shift per position, unlike the reference
    // study's: worth telling the person.
    bool layerNormKeepsAffine = false;
};

// Every combination, the last axis varying fastest, each validated; throws ConfigError naming the
// axis value of the first combination the engine refuses ("sweep model.groups=5: ...").
SweepPlan planSweep(const ExperimentConfig &base, const std::vector<SweepAxis> &axes,
                    const SweepOptions &options);

// "s8 GroupNorm" (or "s8 GroupNorm, seed 2"): the network and its norm in words.
std::string runNameInWords(const ExperimentConfig &config, bool withSeed);

} // namespace normlab
