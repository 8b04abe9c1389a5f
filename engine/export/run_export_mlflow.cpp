// MLflow's file store: mlruns/<experiment id>/meta.yaml and, per run,
// mlruns/<experiment id>/<run uuid>/{meta.yaml, metrics/<key>, params/<key>, tags/<key>,
// artifacts/}. Metric files hold "timestamp_ms value step" lines. `mlflow ui --backend-store-uri
// OUT/mlruns` shows them.
#include "atomic_file.h"
#include "errors.h"
#include "mistake_grid.h"
#include "process_stats.h"
#include "run_export_detail.h"
#include "run_summary.h"
#include "version.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace normlab::detail {

namespace {

// MLflow run status codes (mlflow.entities.RunStatus).
constexpr int kRunning = 1;
constexpr int kFinished = 3;
constexpr int kFailed = 4;
constexpr int kKilled = 5;
constexpr int kSourceTypeLocal = 4;

long long millis(double seconds)
{
    return static_cast<long long>(seconds * 1000.0);
}

// YAML single-quoted scalar.
std::string yamlString(const std::string &text)
{
    std::string out = "'";
    for (const char c : text)
        out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

// A stable 32-hex run id from the store and run, so exporting again updates the same MLflow run.
std::string runUuid(const std::string &storeKey, std::int64_t id)
{
    const std::string text = storeKey + "#" + std::to_string(id);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_Digest(text.data(), text.size(), digest, &size, EVP_md5(), nullptr);
    std::string hex;
    for (unsigned int i = 0; i < size; ++i) {
        char pair[3];
        std::snprintf(pair, sizeof pair, "%02x", digest[i]);
        hex += pair;
    }
    return hex;
}

// MLflow keys allow letters, digits, _ - . space and /.
std::string mlflowKey(const std::string &key)
{
    std::string out;
    for (const char c : key) {
        if (c == '[')
            out += '.';
        else if (c == ']')
            continue;
        else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
                 c == ' ' || c == '/')
            out += c;
        else
            out += '_';
    }
    return out;
}

int mlflowStatus(RunState state)
{
    switch (state) {
    case RunState::Finished:
        return kFinished;
    case RunState::Failed:
    case RunState::Interrupted:
        return kFailed;
    case RunState::Stopped:
        return kKilled;
    case RunState::Queued:
    case RunState::Running:
        return kRunning;
    }
    return kFailed;
}

void createDir(const fs::path &dir)
{
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw InputError(dir.string() + ": cannot create the folder: " + ec.message());
}

// The id of the experiment called `name` in `mlruns`, creating it when missing.
std::string experimentId(const fs::path &mlruns, const std::string &name, double now)
{
    int highest = 0;
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(mlruns, ec)) {
        const std::string id = entry.path().filename().string();
        if (!entry.is_directory() || id.find_first_not_of("0123456789") != std::string::npos)
            continue;
        highest = std::max(highest, std::atoi(id.c_str()));
        std::ifstream meta(entry.path() / "meta.yaml");
        std::string line;
        while (std::getline(meta, line))
            if (line == "name: " + yamlString(name) || line == "name: " + name)
                return id;
    }
    const std::string id = std::to_string(highest + 1);
    const fs::path dir = mlruns / id;
    createDir(dir);
    const std::string meta =
            "artifact_location: " + yamlString("file://" + fs::absolute(dir).string()) + "\n" +
            "creation_time: " + std::to_string(millis(now)) + "\n" + "experiment_id: '" + id +
            "'\n" + "last_update_time: " + std::to_string(millis(now)) + "\n" +
            "lifecycle_stage: active\n" + "name: " + yamlString(name) + "\n";
    writeFileAtomically((dir / "meta.yaml").string(), meta);
    return id;
}

} // namespace

void exportMlflow(const std::vector<ExportedRun> &runs, const ExportOptions &options,
                  ExportReport &report)
{
    const fs::path mlruns = fs::path(options.outDir) / "mlruns";
    createDir(mlruns);
    const double now = unixTime();
    const std::string experiment = experimentId(mlruns, options.experiment, now);
    TestImages images;
    const char *user = std::getenv("USER");

    for (const ExportedRun &run : runs) {
        const RunRecord &r = run.record;
        const std::string uuid = runUuid(fs::absolute(run.storeDir).string(), r.id);
        const fs::path dir = mlruns / experiment / uuid;
        // Replace an earlier export of the same run whole, so no stale metric survives.
        std::error_code ec;
        fs::remove_all(dir, ec);
        for (const char *sub : {"metrics", "params", "tags", "artifacts"})
            createDir(dir / sub);

        const double start = r.startedAt > 0 ? r.startedAt : r.createdAt;
        std::string meta = "artifact_uri: " +
                           yamlString("file://" + fs::absolute(dir / "artifacts").string()) + "\n";
        meta += "end_time: " +
                (r.endedAt > 0 ? std::to_string(millis(r.endedAt)) : std::string("null")) + "\n";
        meta += "entry_point_name: ''\nexperiment_id: '" + experiment +
                "'\nlifecycle_stage: active\n";
        meta += "run_id: " + uuid + "\nrun_name: " + yamlString(r.name) + "\nrun_uuid: " + uuid +
                "\n";
        meta += "source_name: ''\nsource_type: " + std::to_string(kSourceTypeLocal) +
                "\nsource_version: ''\n";
        meta += "start_time: " + std::to_string(millis(start)) +
                "\nstatus: " + std::to_string(mlflowStatus(r.state)) +
                "\ntags: []\nuser_id: " + yamlString(user ? user : "normlab") + "\n";
        writeFileAtomically((dir / "meta.yaml").string(), meta);

        for (const MetricColumn &c : metricColumns()) {
            std::string lines;
            for (const EpochMetrics &m : run.epochs) {
                lines += std::to_string(millis(m.wallTime)) + " " + shortestNumber(c.value(m)) +
                         " " + std::to_string(m.epoch) + "\n";
            }
            writeFileAtomically((dir / "metrics" / c.name).string(), lines);
        }
        if (!run.batches.empty()) {
            std::string lines;
            for (const BatchPoint &b : run.batches) {
                lines += std::to_string(millis(b.wallTime)) + " " + shortestNumber(b.loss) + " " +
                         std::to_string(b.step) + "\n";
            }
            writeFileAtomically((dir / "metrics" / "train_batch_loss").string(), lines);
        }
        for (auto &[key, value] : configLeaves(r.configJson))
            writeFileAtomically((dir / "params" / mlflowKey(key)).string(),
                                value.is_string() ? value.get<std::string>() : value.dump());

        std::string tags;
        for (const std::string &t : r.tags)
            tags += (tags.empty() ? "" : ",") + t;
        const std::vector<std::pair<std::string, std::string>> tagFiles = {
                {"mlflow.runName", r.name},
                {"mlflow.source.name", "normlab"},
                {"mlflow.source.type", "LOCAL"},
                {"mlflow.user", user ? user : "normlab"},
                {"mlflow.note.content", r.note},
                {"normlab.run_id", std::to_string(r.id)},
                {"normlab.status", toString(r.state)},
                {"normlab.message", r.message},
                {"normlab.tags", tags},
                {"normlab.version", r.version + " (" + r.gitCommit + ")"},
                {"normlab.dataset", r.datasetKind + " " + r.datasetPath},
                {"normlab.dataset_fingerprint", r.datasetFingerprint},
                {"normlab.parameters", std::to_string(r.parameterCount)},
                {"normlab.device", r.device},
        };
        for (const auto &[key, value] : tagFiles)
            writeFileAtomically((dir / "tags" / key).string(), value);

        writeFileAtomically((dir / "artifacts" / "config.json").string(), r.configJson);
        const Dataset *test =
                options.images && !run.epochs.empty() ? images.forRun(r, report.warnings) : nullptr;
        if (test) {
            const EpochMetrics &last = run.epochs.back();
            const PngImage png = misclassifiedGridPng(*test, last.misclassified, r.classNames);
            if (!png.bytes.empty())
                writeFileAtomically(
                        (dir / "artifacts" /
                         ("misclassified_epoch_" + std::to_string(last.epoch) + ".png"))
                                .string(),
                        std::string_view(reinterpret_cast<const char *>(png.bytes.data()),
                                         png.bytes.size()));
        }
        report.files.push_back(dir.string());
    }
}

} // namespace normlab::detail
