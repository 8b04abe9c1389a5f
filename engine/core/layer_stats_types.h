// The per-layer statistics as plain values, for the trainer that samples them, the store that
// records them and the views that show them (the probe itself is engine/train/layer_stats.h).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace normlab {

enum class LayerStat {
    InputMean, // the block's input
    InputStd,
    PreNormMean, // after the convolution and ReLU, before the norm
    PreNormStd,
    OutputMean, // after the norm, dropout and the skip connection
    OutputStd,
    DeadRelu, // the fraction of ReLU outputs that are zero
    GradNorm, // of the convolution's weight
    WeightNorm,
    UpdateRatio, // norm of the last update / norm of the weight
    GammaMean, // the norm's scale, where it has one
    GammaStd,
    BetaMean, // the norm's shift
    BetaStd,
    RunningMeanGap, // BatchNorm: mean over channels of |batch mean - running mean| / running std
    RunningVarRatio, // BatchNorm: mean over channels of batch variance / running variance
    Count,
};

inline constexpr int kLayerStatCount = static_cast<int>(LayerStat::Count);

// The name in the store, the CLI and the exports ("output_std"), and what it means, for people.
std::string_view layerStatName(LayerStat stat);
std::string_view layerStatDescription(LayerStat stat);
std::optional<LayerStat> layerStatFromName(std::string_view name);

// One conv block at one moment. NaN where a statistic does not apply (no norm parameters, not
// BatchNorm, no step taken: the epoch's probe batch).
struct LayerStatsRow
{
    int layer = 0; // its depth among the conv blocks, from 0
    std::string name; // its name in the model spec ("conv3")
    std::array<double, kLayerStatCount> values {};

    double operator[](LayerStat s) const { return values[static_cast<std::size_t>(s)]; }
    double &operator[](LayerStat s) { return values[static_cast<std::size_t>(s)]; }
};

// Every block at one moment of a run: a sampled training batch (its global step), or the fixed
// probe batch at the epoch's end (step -1, evaluated as the test set is: eval mode).
struct LayerStatsSample
{
    int epoch = 0;
    std::int64_t step = -1;
    std::vector<LayerStatsRow> layers;
};

// The histogram of one block's output on the epoch's probe batch: `counts.size()` equal bins from
// `lo` to `hi`; values beyond them are counted in the first and last bin.
struct LayerHistogram
{
    int epoch = 0;
    int layer = 0;
    double lo = 0, hi = 0;
    std::vector<std::int64_t> counts;
};

} // namespace normlab
