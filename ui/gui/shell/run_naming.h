// The name a run gets when the user gives none.
#pragma once

#include "config.h"

#include <QString>

namespace normlab::gui {

// "s8 GroupNorm, seed 2": the net and the norm in words. "s8-bn batch" read as one phrase with
// the legend's "train", and "s8-bn group" named a BatchNorm preset for a GroupNorm run.
QString defaultRunName(const ExperimentConfig &config, bool withSeed);

} // namespace normlab::gui
