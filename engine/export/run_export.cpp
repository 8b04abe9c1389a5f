#include "run_export.h"

#include "config_json.h"
#include "errors.h"
#include "recorded_config.h"
#include "run_export_detail.h"

#include <algorithm>
#include <charconv>
#include <filesystem>

namespace fs = std::filesystem;

namespace normlab {

namespace detail {

ExportedRun loadRun(const RunStore &store, std::int64_t id)
{
    ExportedRun run {
            store.dir(), store.run(id),        store.epochs(id, 0, true), store.batches(id),
            {},          store.layerStats(id), store.layerHistograms(id)};
    for (const EpochMetrics &m : run.epochs) {
        std::int64_t steps = 0;
        for (const BatchPoint &b : run.batches)
            if (b.epoch <= m.epoch)
                steps = std::max(steps, b.step); // steps count from 1
        run.stepsAtEpochEnd.push_back(steps);
    }
    return run;
}

double wallTimeOfStep(const ExportedRun &run, int epoch, std::int64_t step)
{
    const auto batch =
            std::lower_bound(run.batches.begin(), run.batches.end(), step,
                             [](const BatchPoint &b, std::int64_t s) { return b.step < s; });
    if (step >= 0 && batch != run.batches.end() && batch->step == step)
        return batch->wallTime;
    for (const EpochMetrics &m : run.epochs)
        if (m.epoch == epoch)
            return m.wallTime;
    return run.record.endedAt > 0 ? run.record.endedAt : run.record.startedAt;
}

const std::vector<MetricColumn> &metricColumns()
{
    static const std::vector<MetricColumn> columns = {
            {"train_loss", [](const EpochMetrics &m) { return m.trainLoss; }},
            {"train_accuracy", [](const EpochMetrics &m) { return m.trainAccuracy; }},
            {"test_loss", [](const EpochMetrics &m) { return m.testLoss; }},
            {"test_accuracy", [](const EpochMetrics &m) { return m.testAccuracy; }},
            {"lr", [](const EpochMetrics &m) { return m.lr; }},
            {"epoch_seconds", [](const EpochMetrics &m) { return m.seconds; }},
            {"train_images_per_second",
             [](const EpochMetrics &m) { return m.trainImagesPerSecond; }},
            {"eval_images_per_second", [](const EpochMetrics &m) { return m.evalImagesPerSecond; }},
            {"process_cpu_seconds", [](const EpochMetrics &m) { return m.processCpuSeconds; }},
            {"process_rss_bytes",
             [](const EpochMetrics &m) { return static_cast<double>(m.residentBytes); }},
    };
    return columns;
}

std::string shortestNumber(double value)
{
    char text[32];
    const auto result = std::to_chars(text, text + sizeof text, value);
    return std::string(text, result.ptr);
}

std::string runSlug(const RunRecord &record)
{
    std::string slug = std::to_string(record.id) + "-";
    bool dash = false;
    for (const char c : record.name) {
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_') {
            slug += c;
            dash = false;
        } else if (!dash) {
            slug += '-';
            dash = true;
        }
    }
    while (!slug.empty() && slug.back() == '-')
        slug.pop_back();
    return slug;
}

} // namespace detail

std::optional<ExportFormat> exportFormatFromString(const std::string &text)
{
    if (text == "csv")
        return ExportFormat::Csv;
    if (text == "tensorboard")
        return ExportFormat::TensorBoard;
    if (text == "mlflow")
        return ExportFormat::MLflow;
    return std::nullopt;
}

ExportReport exportRuns(const RunStore &store, const std::vector<std::int64_t> &ids,
                        const ExportOptions &options)
{
    if (ids.empty())
        throw InputError("export: no runs given");
    if (options.outDir.empty())
        throw InputError("export: no output folder given (--out)");
    std::vector<detail::ExportedRun> runs;
    for (const std::int64_t id : ids)
        runs.push_back(detail::loadRun(store, id));
    std::error_code ec;
    fs::create_directories(options.outDir, ec);
    if (ec)
        throw InputError(options.outDir + ": cannot create the folder: " + ec.message());

    ExportReport report;
    switch (options.format) {
    case ExportFormat::Csv:
        detail::exportCsv(runs, options, report);
        break;
    case ExportFormat::TensorBoard:
        detail::exportTensorBoard(runs, options, report);
        break;
    case ExportFormat::MLflow:
        detail::exportMlflow(runs, options, report);
        break;
    }
    return report;
}

} // namespace normlab
