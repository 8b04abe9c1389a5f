// CSV: one long file for every run (run_id,key,epoch,step,wall_time,value), one wide file per run
// (a row per epoch), runs.csv (a row per run), and the per-layer statistics: layer_stats.csv (a row
// per run, sample and layer, a column per statistic; step -1 is the epoch's probe batch) and
// layer_histograms.csv (a row per run, epoch, layer and bin).
#include "atomic_file.h"
#include "run_export_detail.h"
#include "run_summary.h"

#include <cmath>
#include <filesystem>
#include <map>

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

std::string layerStatsCsv(const std::vector<ExportedRun> &runs)
{
    std::string csv = "run_id,epoch,step,layer,name";
    for (int i = 0; i < kLayerStatCount; ++i)
        csv += "," + std::string(layerStatName(static_cast<LayerStat>(i)));
    csv += "\n";
    for (const ExportedRun &run : runs) {
        const std::string id = std::to_string(run.record.id);
        for (const LayerStatsSample &sample : run.layerStats) {
            const std::string where =
                    id + "," + std::to_string(sample.epoch) + "," + std::to_string(sample.step);
            for (const LayerStatsRow &row : sample.layers) {
                csv += where + "," + std::to_string(row.layer) + "," + csvField(row.name);
                for (const double v : row.values)
                    csv += "," + (std::isfinite(v) ? shortestNumber(v) : std::string());
                csv += "\n";
            }
        }
    }
    return csv;
}

std::string layerHistogramsCsv(const std::vector<ExportedRun> &runs)
{
    std::string csv = "run_id,epoch,layer,name,bin,lo,hi,count\n";
    for (const ExportedRun &run : runs) {
        std::map<int, std::string> names;
        for (const LayerStatsSample &sample : run.layerStats)
            for (const LayerStatsRow &row : sample.layers)
                names.emplace(row.layer, row.name);
        for (const LayerHistogram &h : run.layerHistograms) {
            const std::string where = std::to_string(run.record.id) + "," +
                                      std::to_string(h.epoch) + "," + std::to_string(h.layer) +
                                      "," + csvField(names[h.layer]) + ",";
            const double width =
                    h.counts.empty() ? 0 : (h.hi - h.lo) / static_cast<double>(h.counts.size());
            for (std::size_t b = 0; b < h.counts.size(); ++b)
                csv += where + std::to_string(b) + "," +
                       shortestNumber(h.lo + width * static_cast<double>(b)) + "," +
                       shortestNumber(b + 1 == h.counts.size()
                                              ? h.hi
                                              : h.lo + width * static_cast<double>(b + 1)) +
                       "," + std::to_string(h.counts[b]) + "\n";
        }
    }
    return csv;
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
    const std::string statsPath = (out / "layer_stats.csv").string();
    writeFileAtomically(statsPath, layerStatsCsv(runs));
    report.files.push_back(statsPath);
    const std::string histogramsPath = (out / "layer_histograms.csv").string();
    writeFileAtomically(histogramsPath, layerHistogramsCsv(runs));
    report.files.push_back(histogramsPath);
}

} // namespace normlab::detail
