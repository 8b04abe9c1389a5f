// What a report concludes from its runs: runs of one experiment (same config but the seed) are a
// group, named by their normalization when that is what sets the groups apart, and the groups are
// ranked by best test accuracy with the seeds' spread and whether the gap stands out from it.
#pragma once

#include "run_store.h"
#include "run_summary.h"

#include <cstdint>
#include <string>
#include <vector>

namespace normlab {

struct ReportRun
{
    RunRecord record;
    std::vector<EpochMetrics> epochs; // without details
    RunConfigSummary summary;
    int plannedEpochs = 0;
};

struct ReportGroup
{
    std::string label; // "BatchNorm", or the runs' name without the seed
    std::vector<std::size_t> runs; // into the report's runs, in their order
    std::vector<double> bestAccuracy, lastAccuracy; // of the runs with an epoch
    std::int64_t parameterCount = 0;
};

// "batch" -> "BatchNorm", "group(4)" -> "GroupNorm (4 groups)", "layer(no affine)" ->
// "LayerNorm (no affine)".
std::string normTitle(const std::string &norm);

// In the order of each group's first run.
std::vector<ReportGroup> groupReportRuns(const std::vector<ReportRun> &runs);

// A few sentences: who won by how much, with the spread over seeds, and what to keep in mind
// (runs that did not finish, single seeds, different parameter counts).
std::string reportConclusion(const std::vector<ReportGroup> &groups,
                             const std::vector<ReportRun> &runs);

} // namespace normlab
