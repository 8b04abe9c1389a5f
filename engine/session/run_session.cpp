#include "run_session.h"

#include "libtorch_error.h"

#include "collectives.h"
#include "config_json.h"
#include "errors.h"
#include "process_stats.h"
#include "rank_session.h"
#include "recorded_config.h"
#include "run_writer.h"

#include <c10/util/Exception.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>

namespace fs = std::filesystem;

namespace normlab {

RunState toRunState(RunStatus status)
{
    switch (status) {
    case RunStatus::Finished:
        return RunState::Finished;
    case RunStatus::Stopped:
        return RunState::Stopped;
    case RunStatus::Diverged:
    case RunStatus::Failed:
        return RunState::Failed;
    }
    return RunState::Failed;
}

RunSession::RunSession(RunStore &store, std::int64_t id, std::shared_ptr<const DatasetPair> data,
                       DataParallel parallel)
    : m_store(store), m_id(id)
{
    Collectives *ranks =
            parallel.ranks && parallel.ranks->worldSize() > 1 ? parallel.ranks.get() : nullptr;
    bool started = false; // the other ranks were told to start
    // The other ranks wait for this one's start: whatever goes wrong, they are told, so that
    // they stop with the reason instead of waiting out their timeout.
    auto tellRanks = [&](const std::string &error) noexcept {
        if (!ranks)
            return;
        try {
            if (!started)
                sendRankStart(*ranks, {{}, {}, false, error});
            else
                reportNotReady(*ranks);
        } catch (...) {
        }
    };
    RunRecord record;
    ExperimentConfig config;
    try {
        record = store.run(id);
        config = recordedConfig(record);
        m_writer = std::make_unique<RunWriter>(store, id);
    } catch (const std::exception &e) {
        tellRanks(e.what());
        throw;
    }
    try {
        const auto start = std::chrono::steady_clock::now();
        m_data = data ? std::move(data)
                      : std::make_shared<const DatasetPair>(loadDatasets(config.data));
        m_loadSeconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (!record.datasetFingerprint.empty() && record.datasetFingerprint != m_data->fingerprint)
            throw DataError(m_data->kind + " " + m_data->path +
                            ": the data has changed since run " + std::to_string(id) +
                            " began (fingerprint " + record.datasetFingerprint + ", now " +
                            m_data->fingerprint + ")");

        std::string ranksJson;
        if (ranks) {
            sendRankStart(*ranks,
                          {toJson(config).dump(), m_data->fingerprint, parallel.syncBatchNorm, {}});
            started = true;
            ranksJson = describeRanks(*ranks, exchangeHostnames(*ranks), config.batchSize,
                                      parallel.syncBatchNorm);
        }
        m_trainer = std::make_unique<Trainer>(config, *m_data, std::move(parallel));
        const std::string checkpoints =
                record.artifactDir.empty() ? store.runDir(id) : record.artifactDir;
        m_trainer->setCheckpointDir(checkpoints);
        // A process killed while writing a checkpoint leaves its temporary file; this run's lock
        // is ours now, so no writer is using one.
        std::error_code ignored;
        for (const auto &entry : fs::directory_iterator(checkpoints, ignored))
            if (entry.path().filename().string().find(".pt.tmp") != std::string::npos)
                fs::remove(entry.path(), ignored);
        const fs::path last = fs::path(checkpoints) / "last.pt";
        if (record.epochsDone > 0 && fs::exists(last))
            m_resumedFrom = m_trainer->resumeFrom(last.string());
        m_writer->truncateAfter(m_resumedFrom);
        m_writer->started({m_data->kind, m_data->path, m_data->fingerprint,
                           m_data->train.classNames, m_trainer->parameterCount(),
                           m_trainer->deviceName(), ranksJson});
    } catch (const c10::Error &e) {
        const ComputeError error = computeError(e);
        tellRanks(error.what());
        recordFailure(error.what());
        throw error;
    } catch (const std::exception &e) {
        tellRanks(e.what());
        recordFailure(e.what());
        throw;
    }
    if (ranks && !allRanksReady(*ranks, true)) {
        const std::string why = "another rank could not start (its own message says why)";
        recordFailure(why);
        throw InputError(why);
    }
}

RunSession::~RunSession() = default;

void RunSession::recordFailure(const std::string &message) noexcept
{
    try {
        m_writer->finish(RunState::Failed, message);
    } catch (...) {
        // The store cannot take the failure either (the disk that failed the run is full): the run
        // stays "running" without its lock, the next open marks it interrupted, and the error
        // that stopped it, not this one, is what the person sees.
    }
}

RunResult RunSession::run(const TrainerCallbacks &callbacks)
{
    TrainerCallbacks recording = callbacks;
    // A writer that commits every batch must also be given every batch, or the writes would
    // again follow the training speed.
    if (RunWriter::batchFlushInterval() == std::chrono::steady_clock::duration::zero())
        recording.batchIntervalMs = 0;
    recording.onBatch = [&](const BatchProgress &p) {
        m_writer->addBatch({p.step, p.epoch, p.wallTime, p.batchLoss});
        if (callbacks.onBatch)
            callbacks.onBatch(p);
    };
    recording.onEpoch = [&](const EpochMetrics &m) {
        m_writer->addEpoch(m);
        if (callbacks.onEpoch)
            callbacks.onEpoch(m);
    };
    // Every run records what happens inside its layers (docs/inside.md), so any two runs can be
    // compared layer by layer afterwards.
    if (recording.layerStatsEvery <= 0)
        recording.layerStatsEvery = kLayerStatsEvery;
    recording.onLayerStats = [&](const LayerStatsSample &sample) {
        m_writer->addLayerStats(sample);
        if (callbacks.onLayerStats)
            callbacks.onLayerStats(sample);
    };
    recording.onLayerHistograms = [&](const std::vector<LayerHistogram> &histograms) {
        m_writer->addLayerHistograms(histograms);
        if (callbacks.onLayerHistograms)
            callbacks.onLayerHistograms(histograms);
    };
    try {
        // The result covers the whole run, so the epochs recorded before a resume come first.
        std::vector<EpochMetrics> earlier = m_store.epochs(m_id);
        RunResult result = m_trainer->run(recording);
        result.epochs.insert(result.epochs.begin(), earlier.begin(), earlier.end());
        m_writer->finish(toRunState(result.status), result.message);
        return result;
    } catch (const c10::Error &e) {
        const ComputeError error = computeError(e);
        recordFailure(error.what());
        throw error;
    } catch (const std::exception &e) {
        recordFailure(e.what());
        throw;
    }
}

} // namespace normlab
