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
    // NormLab's last-epoch test accuracy (%) after the full recipe on the JPEG copy of CIFAR-10
    // that development machines carry (about three points below the original for every net), the
    // mean over the seeds in the README's preset tables; 0 where nothing was measured
    double measuredAccuracy;
};

const std::vector<PresetInfo> &presets();

// "published 80.66 % on the original CIFAR-10; NormLab 76.95 % on the JPEG copy", leaving out
// what is 0: the words both faces show beside a preset
std::string describeResults(const PresetInfo &preset);

// Throws ConfigError listing the known presets when `name` is not one of them.
ExperimentConfig presetConfig(const std::string &name);

} // namespace normlab
