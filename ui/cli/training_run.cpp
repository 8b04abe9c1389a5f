#include "training_run.h"

#include "cli_app.h"
#include "config_json.h"
#include "errors.h"
#include "interrupt_watcher.h"
#include "metrics_json.h"
#include "progress_printer.h"
#include "rank_session.h"
#include "run_session.h"
#include "run_store.h"
#include "version.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using nlohmann::json;

namespace normlab::cli {

namespace {

std::string describeData(const DatasetPair &data)
{
    std::string text = data.kind;
    if (!data.path.empty())
        text += " " + data.path;
    return text + " (" + std::to_string(data.train.size()) + " train, " +
           std::to_string(data.test.size()) + " test, " + std::to_string(data.train.numClasses()) +
           " classes)";
}

std::string describeParallel(const RunRecord &record)
{
    const auto ranks = json::parse(record.parallel, nullptr, false);
    if (!ranks.is_object())
        return {};
    std::string hosts;
    for (const auto &h : ranks.value("hosts", json::array()))
        if (h.is_string())
            hosts += (hosts.empty() ? "" : ", ") + h.get<std::string>();
    return "ranks " + std::to_string(ranks.value("world_size", 0)) + " (" +
           ranks.value("backend", std::string("?")) + "; " + hosts + ")  global batch " +
           std::to_string(ranks.value("global_batch", 0)) +
           (ranks.value("sync_bn", false) ? "  sync-bn" : "") + "\n";
}

} // namespace

int exitCodeFor(RunStatus status)
{
    switch (status) {
    case RunStatus::Finished:
        return Success;
    case RunStatus::Stopped:
        return InterruptWatcher::exitCode();
    case RunStatus::Diverged:
    case RunStatus::Failed:
        return RunFailed;
    }
    return RunFailed;
}

std::string withResumeHint(const std::string &message, std::int64_t id)
{
    const std::string run = std::to_string(id);
    return message + "\nrun " + run + " keeps the epochs it recorded; `normlab-cli resume " + run +
           "` continues it";
}

void tellRanksWhy(Collectives &ranks, const std::string &why)
{
    try {
        sendRankStart(ranks, {{}, {}, false, why});
    } catch (...) {
    }
}

RunResult trainSession(RunSession &session, const RunStore &store, const TrainOutput &output,
                       InterruptWatcher &watcher)
{
    const ExperimentConfig &config = session.config();
    ProgressPrinter printer(output.json ? ProgressPrinter::Mode::Json
                                        : ProgressPrinter::Mode::Table,
                            config.epochs);
    std::ofstream metricsFile;
    if (!output.out.empty()) {
        fs::create_directories(output.out);
        saveConfigFile(config, (fs::path(output.out) / "config.json").string());
        metricsFile.open(fs::path(output.out) / "metrics.jsonl",
                         session.resumedFrom() > 0 ? std::ios::app : std::ios::trunc);
        if (!metricsFile)
            throw InputError(output.out + ": cannot write metrics.jsonl");
    }

    Trainer &trainer = session.trainer();
    const int threads = Trainer::applyThreadCount(config.threads);
    const RunRecord record = store.run(session.id());
    std::string resumed;
    if (session.resumedFrom() > 0)
        resumed = ", resuming after epoch " + std::to_string(session.resumedFrom());
    char header[1536];
    std::snprintf(
            header, sizeof header,
            "NormLab %s  run %lld \"%s\"%s\n"
            "preset %s  norm %s  params %lld  device %s  threads %d\n"
            "data: %s, loaded in %.1f s\naugment: %s  batch %d  lr %g  epochs %d  seed %llu\n",
            version().c_str(), static_cast<long long>(session.id()), record.name.c_str(),
            resumed.c_str(), config.preset.empty() ? "custom" : config.preset.c_str(),
            toString(config.model.norm).c_str(), static_cast<long long>(trainer.parameterCount()),
            trainer.deviceName().c_str(), threads, describeData(session.data()).c_str(),
            session.loadSeconds(), augmentSummary(config).c_str(), config.batchSize,
            config.optimizer.lr, config.epochs, static_cast<unsigned long long>(config.seed));
    printer.printHeader(header + describeParallel(record));
    printer.printStart(session.id(), store.dir(), session.resumedFrom());

    TrainerCallbacks callbacks;
    callbacks.onBatch = [&](const BatchProgress &p) { printer.onBatch(p); };
    callbacks.onEpoch = [&](const EpochMetrics &m) {
        printer.onEpoch(m);
        if (metricsFile.is_open())
            metricsFile << toJson(m).dump() << '\n' << std::flush;
    };
    callbacks.batchIntervalMs = output.json ? 1000 : 200;

    RunResult result;
    watcher.setOnInterrupt([&trainer] { trainer.requestStop(); });
    try {
        result = session.run(callbacks);
    } catch (const InputError &e) {
        watcher.setOnInterrupt({});
        throw InputError(withResumeHint(e.what(), session.id()));
    } catch (...) {
        watcher.setOnInterrupt({});
        throw;
    }
    watcher.setOnInterrupt({});
    printer.printResult(result);
    return result;
}

} // namespace normlab::cli
