// The training loop. Plain structs in and out, no torch and no Qt in this header, so that the GUI's
// worker and the command line can both drive it. run() blocks; requestStop() and setPaused() may be
// called from any thread and take effect between batches.
#pragma once

#include "config.h"
#include "dataset.h"
#include "layer_stats_types.h"
#include "metrics.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace normlab {

class Collectives;

// One rank of a data-parallel run (docs/distributed.md). Every rank trains on its shard of each
// epoch's order at the config's batch size (the global batch is ranks x that), averages the
// gradients with the others after each backward pass, and evaluates its slice of the test set;
// the numbers the callbacks see are the whole run's. At the start of run() every rank takes rank
// 0's state (weights, optimizer, scheduler, average, epochs done), so only rank 0 needs the
// checkpoint to resume from. Pausing is not for data-parallel runs: the others would time out.
struct DataParallel
{
    std::shared_ptr<Collectives> ranks; // null: a single process
    // BatchNorm normalises with the global batch's statistics (the fused tails only); without,
    // each rank's own, and rank 0's running statistics are the ones evaluated, as PyTorch's DDP.
    bool syncBatchNorm = false;
};

struct BatchProgress
{
    int epoch = 0; // 1-based
    int batch = 0; // 1-based, within the epoch
    int batches = 0;
    long long step = 0; // batches since the run began
    double batchLoss = 0;
    double runningLoss = 0; // mean over the epoch so far
    double runningAccuracy = 0; // percent, over the epoch so far
    double imagesPerSecond = 0;
    double lr = 0;
    double epochSeconds = 0;
    double wallTime = 0; // Unix seconds when it was reported: the store and the charts share it
};

enum class RunStatus { Finished, Stopped, Diverged, Failed };
std::string toString(RunStatus status);

struct RunResult
{
    RunStatus status = RunStatus::Finished;
    std::string message; // why it did not finish
    std::vector<EpochMetrics> epochs;
    int bestEpoch = 0;
};

struct TrainerCallbacks
{
    std::function<void(const BatchProgress &)> onBatch;
    std::function<void(const EpochMetrics &)> onEpoch;
    // Batch progress is reported at most this often (and always for an epoch's last batch), so
    // the data rate never sets a listener's redraw rate.
    int batchIntervalMs = 100;
    // The per-layer statistics (engine/train/layer_stats.h) of every `layerStatsEvery`-th training
    // batch and of the first test batch at each epoch's end, with that batch's output histograms
    // (`histogramBins` bins). 0: none. They only read: the run's numbers are the same without them.
    std::function<void(const LayerStatsSample &)> onLayerStats;
    std::function<void(const std::vector<LayerHistogram> &)> onLayerHistograms;
    int layerStatsEvery = 0;
    int histogramBins = 48;
};

class Trainer
{
public:
    // `data` must outlive the trainer. Throws ConfigError for an invalid config.
    Trainer(ExperimentConfig config, const DatasetPair &data, DataParallel parallel = {});
    ~Trainer();
    Trainer(const Trainer &) = delete;
    Trainer &operator=(const Trainer &) = delete;

    // best.pt (lowest test loss) and last.pt are written here after each epoch when set.
    void setCheckpointDir(const std::string &dir);
    // Continues from a checkpoint written by an earlier run of the same config; returns the
    // number of epochs it had completed.
    int resumeFrom(const std::string &checkpointPath);

    RunResult run(const TrainerCallbacks &callbacks = {});

    void requestStop();
    void setPaused(bool paused);
    bool isPaused() const;

    std::int64_t parameterCount() const;
    int rank() const;
    int worldSize() const;
    std::string deviceName() const;
    const ExperimentConfig &config() const;

    // Applies the config's thread count to LibTorch (process-wide); returns the count used.
    static int applyThreadCount(int requested);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace normlab
