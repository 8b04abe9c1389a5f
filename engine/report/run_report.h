// A write-up of recorded runs, as the reference study's is and more: each model's summary, the
// results table, the curves overlaid, per-class accuracy side by side, the confusion matrices, the
// misclassified test images (with Grad-CAM when asked), a generated conclusion and each run's
// config. Built from the store alone (plus the test images and checkpoints for the pictures),
// so `normlab-cli report` and the GUI's File -> Export Report write the same document.
#pragma once

#include "report_document.h"
#include "run_store.h"

#include <cstdint>
#include <string>
#include <vector>

namespace normlab {

struct ReportOptions
{
    std::vector<std::int64_t> runs; // in the order the report lists them
    std::string title; // empty: from the runs
    int mistakesPerRun = 32; // most confident first; 0 leaves the grids out
    bool gradCam = false; // heat maps over the mistakes, from the last checkpoint
    double gradCamOpacity = 0.5;
};

struct ReportResult
{
    ReportDocument document;
    // What could not be drawn, and why (data moved, no checkpoint): the report says so too.
    std::vector<std::string> warnings;
};

// Throws StoreError for an unknown run or an unreadable store, InputError without runs.
ReportResult buildRunReport(const RunStore &store, const ReportOptions &options);

} // namespace normlab
