#include "run_session.h"

#include "libtorch_error.h"

#include "errors.h"
#include "process_stats.h"
#include "recorded_config.h"
#include "run_writer.h"

#include <c10/util/Exception.h>

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

RunSession::RunSession(RunStore &store, std::int64_t id, std::shared_ptr<const DatasetPair> data)
    : m_store(store), m_id(id)
{
    const RunRecord record = store.run(id);
    const ExperimentConfig config = recordedConfig(record);
    m_writer = std::make_unique<RunWriter>(store, id);
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

        m_trainer = std::make_unique<Trainer>(config, *m_data);
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
                           m_trainer->deviceName()});
    } catch (const c10::Error &e) {
        const ComputeError error = computeError(e);
        recordFailure(error.what());
        throw error;
    } catch (const std::exception &e) {
        recordFailure(e.what());
        throw;
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
