// Recorded runs out to other tools: CSV, TensorBoard event files and MLflow's file store.
#pragma once

#include "run_store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace normlab {

enum class ExportFormat { Csv, TensorBoard, MLflow };
std::optional<ExportFormat> exportFormatFromString(const std::string &text);

struct ExportOptions
{
    ExportFormat format = ExportFormat::Csv;
    std::string outDir;
    std::string experiment = "normlab"; // MLflow experiment name
    // TensorBoard and MLflow: a grid of misclassified test images per epoch. Needs the run's
    // dataset, unchanged; without it the images are left out with a warning.
    bool images = true;
};

struct ExportReport
{
    std::vector<std::string> files; // written, in order
    std::vector<std::string> warnings;
};

// Throws StoreError for an unknown run, InputError for a folder that cannot be written.
ExportReport exportRuns(const RunStore &store, const std::vector<std::int64_t> &ids,
                        const ExportOptions &options);

} // namespace normlab
