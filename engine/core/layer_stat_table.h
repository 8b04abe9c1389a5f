// One statistic of one run, pivoted for people: a row per conv block, a column per epoch. What
// `normlab-cli runs inside` prints, the Inside tab's heat map draws and its per-layer lines read.
#pragma once

#include "layer_stats_types.h"

#include <string>
#include <vector>

namespace normlab {

struct LayerStatTable
{
    LayerStat stat = LayerStat::OutputStd;
    std::vector<std::string> layers; // block names by depth
    std::vector<int> epochs; // in order
    std::vector<std::vector<double>> values; // [layer][epoch index]; NaN where none was recorded

    bool empty() const { return layers.empty() || epochs.empty(); }
    // One epoch's value per layer: the profile a line of the per-layer chart draws.
    std::vector<double> column(std::size_t epochIndex) const;
};

// Each epoch's value is its probe batch's (step -1: the network as evaluated at the epoch's end).
// The statistics only a training step has (grad_norm, update_ratio: NaN on the probe) are the mean
// of that epoch's sampled training batches instead.
LayerStatTable layerStatTable(const std::vector<LayerStatsSample> &samples, LayerStat stat);

// Whether a statistic comes from training steps rather than the epoch's probe batch.
bool layerStatFromTrainingSteps(LayerStat stat);

} // namespace normlab
