// Shared by the exporters (run_export_*.cpp); not part of the engine's API.
#pragma once

#include "dataset.h"
#include "run_export.h"
#include "test_images.h"

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace normlab::detail {

struct ExportedRun
{
    std::string storeDir;
    RunRecord record;
    std::vector<EpochMetrics> epochs; // with confusion matrices and misclassified images
    std::vector<BatchPoint> batches;
    // Number of batches done at the end of each epoch (index epoch - 1); 0 when unknown.
    std::vector<std::int64_t> stepsAtEpochEnd;
    // Per-layer statistics (sampled batches and each epoch's probe) and output histograms.
    std::vector<LayerStatsSample> layerStats;
    std::vector<LayerHistogram> layerHistograms;
};

ExportedRun loadRun(const RunStore &store, std::int64_t id);

// One line of metrics per epoch, by name, in a fixed order: what every format exports.
struct MetricColumn
{
    const char *name;
    double (*value)(const EpochMetrics &);
};
const std::vector<MetricColumn> &metricColumns();

// The wall time of a run's training step (its recorded batch, or the end of its epoch), for the
// layer statistics sampled at it.
double wallTimeOfStep(const ExportedRun &run, int epoch, std::int64_t step);

// The shortest text that reads back as the same double.
std::string shortestNumber(double value);

// A folder name from a run: "12-s8-bn-norm-group".
std::string runSlug(const RunRecord &record);

void exportCsv(const std::vector<ExportedRun> &runs, const ExportOptions &options,
               ExportReport &report);
void exportTensorBoard(const std::vector<ExportedRun> &runs, const ExportOptions &options,
                       ExportReport &report);
void exportMlflow(const std::vector<ExportedRun> &runs, const ExportOptions &options,
                  ExportReport &report);

} // namespace normlab::detail
