#include "norm_comparison.h"

#include "run_summary.h"

#include <algorithm>

namespace normlab {

std::vector<double> classAccuracies(const RunStore &store, const RunRecord &run)
{
    std::vector<double> out;
    if (run.epochsDone == 0)
        return out;
    int correct = 0, images = 0;
    for (const ClassResult &c : classResults(store.confusion(run.id, run.epochsDone))) {
        out.push_back(c.accuracyPercent());
        correct += c.correct;
        images += c.images;
    }
    if (images)
        out.push_back(100.0 * correct / images);
    return out;
}

SweepComparison compareSweep(const RunStore &store, const std::string &sweep)
{
    RunFilter filter;
    filter.sweep = sweep;
    SweepComparison out;
    for (const RunRecord &r : store.runs(filter)) {
        const std::string norm = summarizeConfig(r.configJson).norm;
        auto group = std::find_if(out.groups.begin(), out.groups.end(),
                                  [&](const NormGroup &g) { return g.norm == norm; });
        if (group == out.groups.end()) {
            out.groups.emplace_back().norm = norm;
            group = std::prev(out.groups.end());
        }
        ++group->runs;
        if (r.classNames.size() > out.classNames.size())
            out.classNames = r.classNames;
        if (r.epochsDone == 0)
            continue;
        group->parameterCount = r.parameterCount;
        if (r.state == RunState::Finished) {
            ++group->finished;
            group->bestAccuracy.push_back(r.bestTestAccuracy);
            group->bestEpoch.push_back(r.bestEpoch);
            group->lastAccuracy.push_back(r.lastTestAccuracy);
            group->trainingSeconds.push_back(r.trainingSeconds);
        }
        group->classAccuracies.push_back(classAccuracies(store, r));
    }
    return out;
}

ClassTable classTable(std::size_t classCount,
                      const std::vector<std::vector<std::vector<double>>> &columns)
{
    ClassTable table;
    const std::size_t rows = classCount == 0 ? 0 : classCount + 1;
    table.cells.assign(rows, std::vector<ClassTable::Cell>(columns.size()));
    table.bestColumn.assign(rows, -1);
    for (std::size_t row = 0; row < rows; ++row) {
        double best = -1;
        for (std::size_t c = 0; c < columns.size(); ++c) {
            ClassTable::Cell &cell = table.cells[row][c];
            for (const std::vector<double> &run : columns[c])
                if (row < run.size())
                    cell.values.push_back(run[row]);
            if (cell.values.empty())
                continue;
            cell.stat = meanStd(cell.values);
            if (columns.size() > 1 && cell.stat.mean > best) {
                best = cell.stat.mean;
                table.bestColumn[row] = static_cast<int>(c);
            }
        }
    }
    return table;
}

} // namespace normlab
