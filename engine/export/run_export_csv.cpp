// CSV: one long file for every run (run_id,key,epoch,step,wall_time,value), one wide file per run
// (a row per epoch) and runs.csv (a row per run).
#include "atomic_file.h"
#include "run_export_detail.h"
#include "run_summary.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace normlab::detail {

namespace {

std::string csvField(const std::string &field)
{
    if (field.find_first_of(",\"\n\r") == std::string::npos)
        return field;
    std::string out = "\"";
    for (const char c : field)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

} // namespace

void exportCsv(const std::vector<ExportedRun> &runs, const ExportOptions &options,
               ExportReport &report)
{
    const fs::path out(options.outDir);
    std::string longCsv = "run_id,key,epoch,step,wall_time,value\n";
    std::string summary =
            "run_id,name,status,preset,norm,augment,params,seed,epochs_done,best_test_accuracy,"
            "best_epoch,last_test_accuracy,training_seconds,tags,note,dataset_fingerprint\n";
    for (const ExportedRun &run : runs) {
        const RunRecord &r = run.record;
        const std::string id = std::to_string(r.id);
        std::string wide = "epoch";
        for (const MetricColumn &c : metricColumns())
            wide += std::string(",") + c.name;
        wide += ",wall_time\n";
        for (std::size_t i = 0; i < run.epochs.size(); ++i) {
            const EpochMetrics &m = run.epochs[i];
            const std::string step =
                    run.stepsAtEpochEnd[i] > 0 ? std::to_string(run.stepsAtEpochEnd[i]) : "";
            wide += std::to_string(m.epoch);
            for (const MetricColumn &c : metricColumns()) {
                longCsv += id + "," + c.name + "," + std::to_string(m.epoch) + "," + step + "," +
                           shortestNumber(m.wallTime) + "," + shortestNumber(c.value(m)) + "\n";
                wide += "," + shortestNumber(c.value(m));
            }
            wide += "," + shortestNumber(m.wallTime) + "\n";
        }
        for (const BatchPoint &b : run.batches)
            longCsv += id + ",batch_loss," + std::to_string(b.epoch) + "," +
                       std::to_string(b.step) + "," + shortestNumber(b.wallTime) + "," +
                       shortestNumber(b.loss) + "\n";

        const std::string widePath = (out / ("run_" + id + ".csv")).string();
        writeFileAtomically(widePath, wide);
        report.files.push_back(widePath);

        const RunConfigSummary s = summarizeConfig(r.configJson);
        std::string tags;
        for (const std::string &t : r.tags)
            tags += (tags.empty() ? "" : ";") + t;
        summary += id + "," + csvField(r.name) + "," + toString(r.state) + "," +
                   csvField(s.preset) + "," + csvField(s.norm) + "," + csvField(s.augment) + "," +
                   std::to_string(r.parameterCount) + "," + std::to_string(r.seed) + "," +
                   std::to_string(r.epochsDone) + "," + shortestNumber(r.bestTestAccuracy) + "," +
                   std::to_string(r.bestEpoch) + "," + shortestNumber(r.lastTestAccuracy) + "," +
                   shortestNumber(r.trainingSeconds) + "," + csvField(tags) + "," +
                   csvField(r.note) + "," + r.datasetFingerprint + "\n";
    }
    const std::string longPath = (out / "metrics_long.csv").string();
    writeFileAtomically(longPath, longCsv);
    report.files.push_back(longPath);
    const std::string summaryPath = (out / "runs.csv").string();
    writeFileAtomically(summaryPath, summary);
    report.files.push_back(summaryPath);
}

} // namespace normlab::detail
