// What the Comparison tab and `normlab-cli runs compare` report about runs side by side, in plain
// types: a sweep's runs grouped by norm with mean ± std over each group, and test accuracy per
// class, averaged over the runs of a column, with the best column of each class marked.
#pragma once

#include "run_store.h"
#include "statistics.h"

#include <cstdint>
#include <string>
#include <vector>

namespace normlab {

struct NormGroup
{
    std::string norm; // as the runs table writes it: "group(4)", "layer(no affine)"
    int runs = 0; // in the sweep
    int finished = 0;
    // Of the finished runs.
    std::vector<double> bestAccuracy, bestEpoch, lastAccuracy, trainingSeconds;
    std::int64_t parameterCount = 0;
    // One entry per run with a recorded epoch: see classAccuracies.
    std::vector<std::vector<double>> classAccuracies;
};

struct SweepComparison
{
    std::vector<NormGroup> groups; // in the order their first run was queued
    std::vector<std::string> classNames;
};

// Throws StoreError.
SweepComparison compareSweep(const RunStore &store, const std::string &sweep);

// Test accuracy (%) per class at the run's last recorded epoch, then over all classes; empty
// before its first epoch. Throws StoreError.
std::vector<double> classAccuracies(const RunStore &store, const RunRecord &run);

// Rows: each class, then all classes. Columns: each entry of `columns`, the class accuracies of
// the runs it averages.
struct ClassTable
{
    struct Cell
    {
        std::vector<double> values; // one per run that has the row
        MeanStd stat;
    };
    std::vector<std::vector<Cell>> cells; // [row][column]
    std::vector<int> bestColumn; // per row: the highest mean; -1 with fewer than two columns
};

ClassTable classTable(std::size_t classCount,
                      const std::vector<std::vector<std::vector<double>>> &columns);

} // namespace normlab
