// The reference recipes. Each preset reproduces a published result when trained as it is.
#pragma once

#include "config.h"

#include <string>
#include <vector>

namespace normlab {

struct PresetInfo
{
    std::string name;
    std::string description;
    // The published test accuracy (%) on the original CIFAR-10; 0 for NormLab's own presets,
    // which have none (the README's table has what they reach)
    double referenceAccuracy;
};

const std::vector<PresetInfo> &presets();

// Throws ConfigError listing the known presets when `name` is not one of them.
ExperimentConfig presetConfig(const std::string &name);

} // namespace normlab
