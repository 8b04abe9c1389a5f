// The one writer of a run while it trains. Claiming a run takes its lock file, which the kernel
// releases if the process dies, so a crashed run is recognised by the next RunStore that opens.
#pragma once

#include "metrics.h"
#include "run_store.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace normlab {

struct RunStartInfo
{
    std::string datasetKind, datasetPath, datasetFingerprint;
    std::vector<std::string> classNames;
    std::int64_t parameterCount = 0;
    std::string device;
    std::string parallel; // RunRecord::parallel
};

class RunWriter
{
public:
    // Claims run `id` and marks it running. Throws StoreError when another process is training
    // it or when it has already finished.
    RunWriter(RunStore &store, std::int64_t id);
    // A run left without finish() (an exception on the way out) is recorded as failed.
    ~RunWriter();
    RunWriter(const RunWriter &) = delete;
    RunWriter &operator=(const RunWriter &) = delete;

    std::int64_t id() const { return m_id; }

    void started(const RunStartInfo &info);
    // Forgets what was recorded after `epoch`: resuming from a checkpoint of that epoch redoes
    // them.
    void truncateAfter(int epoch);
    // Buffered, and committed about once a second and with each epoch.
    void addBatch(const BatchPoint &point);
    // The epoch, its confusion matrix and misclassified images (and pending batches): one
    // transaction.
    void addEpoch(const EpochMetrics &metrics);
    // Per-layer statistics and histograms: buffered, and committed with the batches and epochs.
    void addLayerStats(const LayerStatsSample &sample);
    void addLayerHistograms(const std::vector<LayerHistogram> &histograms);
    void finish(RunState state, const std::string &message = {});

    // About a second; NORMLAB_BATCH_COMMIT_MS=0 commits after every batch, so that a run's
    // sequence of writes does not depend on how fast it trains (the fault-injection tests fill
    // the disk at a chosen write).
    static std::chrono::steady_clock::duration batchFlushInterval();

private:
    void flushBatches();

    RunStore &m_store;
    std::int64_t m_id;
    int m_lockFd = -1;
    bool m_finished = false;
    std::vector<BatchPoint> m_pending;
    std::vector<LayerStatsSample> m_pendingStats;
    std::vector<LayerHistogram> m_pendingHistograms;
    std::chrono::steady_clock::time_point m_lastFlush;
};

} // namespace normlab
