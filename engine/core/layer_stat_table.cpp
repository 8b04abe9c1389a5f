#include "layer_stat_table.h"

#include <cmath>
#include <limits>
#include <map>

namespace normlab {

namespace {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

struct Accumulator
{
    double probe = kMissing;
    double trainingSum = 0;
    int trainingCount = 0;
};

} // namespace

std::vector<double> LayerStatTable::column(std::size_t epochIndex) const
{
    std::vector<double> out;
    out.reserve(values.size());
    for (const std::vector<double> &row : values)
        out.push_back(epochIndex < row.size() ? row[epochIndex] : kMissing);
    return out;
}

bool layerStatFromTrainingSteps(LayerStat stat)
{
    return stat == LayerStat::GradNorm || stat == LayerStat::UpdateRatio;
}

LayerStatTable layerStatTable(const std::vector<LayerStatsSample> &samples, LayerStat stat)
{
    LayerStatTable table;
    table.stat = stat;
    // epoch -> layer -> what was seen; layer names from whichever sample names them first.
    std::map<int, std::map<int, Accumulator>> seen;
    std::map<int, std::string> names;
    for (const LayerStatsSample &sample : samples) {
        for (const LayerStatsRow &row : sample.layers) {
            if (row.layer < 0)
                continue;
            names.emplace(row.layer, row.name);
            Accumulator &a = seen[sample.epoch][row.layer];
            const double v = row[stat];
            if (!std::isfinite(v))
                continue;
            if (sample.step < 0) {
                a.probe = v;
            } else {
                a.trainingSum += v;
                ++a.trainingCount;
            }
        }
    }
    if (names.empty())
        return table;
    // Depths are 0..n-1; a gap (a damaged row) keeps its place with an empty name.
    const int depth = names.rbegin()->first + 1;
    table.layers.resize(static_cast<std::size_t>(depth));
    for (const auto &[layer, name] : names)
        table.layers[static_cast<std::size_t>(layer)] = name;
    for (const auto &[epoch, layers] : seen)
        table.epochs.push_back(epoch);
    table.values.assign(static_cast<std::size_t>(depth),
                        std::vector<double>(table.epochs.size(), kMissing));
    const bool fromSteps = layerStatFromTrainingSteps(stat);
    std::size_t column = 0;
    for (const auto &[epoch, layers] : seen) {
        for (const auto &[layer, a] : layers) {
            const double training =
                    a.trainingCount > 0 ? a.trainingSum / a.trainingCount : kMissing;
            double &cell = table.values[static_cast<std::size_t>(layer)][column];
            cell = fromSteps ? training : a.probe;
            if (std::isnan(cell) && !fromSteps)
                cell = training; // a run recorded without its probes (stopped mid-epoch)
        }
        ++column;
    }
    return table;
}

} // namespace normlab
