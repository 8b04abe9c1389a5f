#include "trainer.h"

#include "batch_loader.h"
#include "checkpoint.h"
#include "collectives.h"
#include "config_json.h"
#include "errors.h"
#include "layer_stats.h"
#include "lr_scheduler.h"
#include "net.h"
#include "process_env.h"
#include "process_stats.h"
#include "rank_sync.h"
#include "test_views.h"
#include "train_step.h"
#include "weight_average.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <mutex>
#include <thread>

namespace normlab {

std::string toString(RunStatus status)
{
    switch (status) {
    case RunStatus::Finished:
        return "finished";
    case RunStatus::Stopped:
        return "stopped";
    case RunStatus::Diverged:
        return "diverged";
    case RunStatus::Failed:
        return "failed";
    }
    return "?";
}

namespace {

using Clock = std::chrono::steady_clock;

// The epoch's probe reads the first test batch's first this many images: the statistics of 128
// images are as telling as those of 500, at a quarter of the cost (0.6 s in full, measured).
constexpr int kProbeImages = 128;

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

} // namespace

struct Trainer::Private
{
    ExperimentConfig config;
    const DatasetPair &data;
    torch::Device device {torch::kCPU};
    bool channelsLast = false;
    Net model {nullptr};
    std::unique_ptr<torch::optim::Optimizer> optimizer;
    std::unique_ptr<LrScheduler> scheduler;
    std::unique_ptr<WeightAverage> average; // config.emaDecay > 0
    std::unique_ptr<BatchLoader> trainLoader;
    std::unique_ptr<BatchLoader> testLoader;
    std::string checkpointDir;

    int startEpoch = 0; // epochs already done (after resume)
    double bestTestLoss = std::numeric_limits<double>::infinity();
    int bestEpoch = 0;

    std::atomic<bool> stopRequested {false};
    std::atomic<bool> paused {false};
    std::mutex pauseMutex;
    std::condition_variable pauseChanged;

    DataParallel parallel;

    Private(ExperimentConfig c, const DatasetPair &d, DataParallel p)
        : config(std::move(c)), data(d), parallel(std::move(p))
    {
    }

    // The other ranks of a data-parallel run, or null in a single process.
    Collectives *ranks() const
    {
        return parallel.ranks && parallel.ranks->worldSize() > 1 ? parallel.ranks.get() : nullptr;
    }
    int rank() const { return ranks() ? ranks()->rank() : 0; }

    // Every rank takes rank 0's whole state, through a checkpoint's bytes.
    void shareRootState();

    void setLr(double lr)
    {
        for (auto &group : optimizer->param_groups())
            group.options().set_lr(lr);
    }

    // Blocks while paused; returns false when a stop was requested.
    bool waitWhilePaused()
    {
        if (paused.load()) {
            std::unique_lock lock(pauseMutex);
            pauseChanged.wait(lock, [&] { return !paused.load() || stopRequested.load(); });
        }
        return !stopRequested.load();
    }

    // With `callbacks` asking for them, the first test batch's layer statistics and histograms.
    EpochMetrics evaluate(int epoch, const TrainerCallbacks &callbacks = {});
};

void Trainer::Private::shareRootState()
{
    CheckpointMeta meta {startEpoch, bestTestLoss, bestEpoch, toJson(config).dump()};
    if (takeRootState(*ranks(), model, *optimizer, *scheduler, average.get(), meta)) {
        startEpoch = meta.epoch;
        bestTestLoss = meta.bestTestLoss;
        bestEpoch = meta.bestEpoch;
        setLr(scheduler->lr());
    }
}

EpochMetrics Trainer::Private::evaluate(int epoch, const TrainerCallbacks &callbacks)
{
    EpochMetrics m;
    m.epoch = epoch;
    const int classes = data.test.numClasses();
    m.confusion.assign(static_cast<std::size_t>(classes * classes), 0);
    torch::NoGradGuard noGrad;
    // Rank 0's running statistics are the ones evaluated, as PyTorch's DDP broadcasts them; the
    // other ranks' have moved with their own batches.
    if (ranks())
        ranks()->broadcastFromRoot(model->buffers());
    const AveragedWeights averaged(average.get()); // the average is what is evaluated
    if (ranks() && average)
        ranks()->broadcastFromRoot(model->buffers());
    model->eval();
    double lossSum = 0;
    std::int64_t correct = 0;
    std::int64_t seen = 0;
    const auto start = Clock::now();
    testLoader->startEpoch(0);
    const TestViews views = testViewsFor(config);
    const bool probeFirst = callbacks.layerStatsEvery > 0 && callbacks.onLayerStats;
    bool first = true;
    while (std::optional<Batch> batch = testLoader->next()) {
        torch::Tensor images = batch->images.to(device, /*non_blocking=*/true);
        torch::Tensor labels = batch->labels.to(device, true);
        std::unique_ptr<LayerStatsProbe> probe;
        if (first && probeFirst)
            probe = std::make_unique<LayerStatsProbe>(model, callbacks.histogramBins, kProbeImages);
        first = false;
        torch::Tensor out = model->forward(images);
        if (probe) {
            callbacks.onLayerStats({epoch, -1, probe->rows()});
            if (callbacks.onLayerHistograms) {
                std::vector<LayerHistogram> histograms = probe->histograms();
                for (LayerHistogram &h : histograms)
                    h.epoch = epoch;
                callbacks.onLayerHistograms(histograms);
            }
            probe.reset();
        }
        out = viewAveragedLogProbs(model, images, views, out);
        lossSum += torch::nll_loss(out, labels, {}, at::Reduction::Sum).item<double>();
        auto [logConfidence, predicted] = out.max(1);
        torch::Tensor predCpu = predicted.to(torch::kCPU).contiguous();
        torch::Tensor confCpu = logConfidence.exp().to(torch::kCPU).contiguous();
        const std::int64_t *pred = predCpu.data_ptr<std::int64_t>();
        const float *conf = confCpu.data_ptr<float>();
        const std::int64_t *truth = batch->labels.data_ptr<std::int64_t>();
        for (std::size_t i = 0; i < batch->indices.size(); ++i) {
            const int t = static_cast<int>(truth[i]);
            const int p = static_cast<int>(pred[i]);
            ++m.confusion[static_cast<std::size_t>(t * classes + p)];
            if (t == p)
                ++correct;
            else
                m.misclassified.push_back({static_cast<int>(batch->indices[i]), t, p, conf[i]});
        }
        seen += static_cast<std::int64_t>(batch->indices.size());
    }
    if (ranks())
        sumEvaluation(*ranks(), data.test, m, lossSum, correct, seen);
    const double seconds = secondsSince(start);
    m.testLoss = seen ? lossSum / static_cast<double>(seen) : 0.0;
    m.testAccuracy = seen ? 100.0 * static_cast<double>(correct) / static_cast<double>(seen) : 0.0;
    m.evalImagesPerSecond = seconds > 0 ? static_cast<double>(seen) / seconds : 0.0;
    return m;
}

Trainer::Trainer(ExperimentConfig config, const DatasetPair &data, DataParallel parallel)
    : d(std::make_unique<Private>(std::move(config), data, std::move(parallel)))
{
    tuneMemoryAllocator();
    validate(d->config);
    if (data.train.size() == 0 || data.test.size() == 0)
        throw DataError("the dataset has no training or no test images");
    const std::string &dev = d->config.device;
    if (dev == "cuda" && !torch::cuda::is_available())
        throw ConfigError("config: 'device' is 'cuda', but no CUDA device is available");
    if (dev == "cuda" || (dev == "auto" && torch::cuda::is_available()))
        d->device = torch::Device(torch::kCUDA);
    d->channelsLast = trainsChannelsLast(d->config);

    torch::manual_seed(d->config.seed);
    d->model = Net(buildModelSpec(d->config.model, data.train.numClasses()));
    d->model->to(d->device);
    if (d->channelsLast)
        d->model->toChannelsLast();
    if (d->ranks() && d->parallel.syncBatchNorm)
        d->model->setSyncBatchNorm(d->ranks());
    d->optimizer = makeOptimizer(d->config.optimizer, d->model->parameters());
    if (d->config.emaDecay > 0)
        d->average = std::make_unique<WeightAverage>(d->model, d->config.emaDecay);

    BatchLoaderOptions trainOptions;
    trainOptions.batchSize = d->config.batchSize;
    trainOptions.shuffle = true;
    trainOptions.channelsLast = d->channelsLast;
    trainOptions.workers = d->config.data.workers;
    trainOptions.seed = d->config.seed;
    trainOptions.rank = d->rank();
    trainOptions.worldSize = d->ranks() ? d->ranks()->worldSize() : 1;
    d->trainLoader = std::make_unique<BatchLoader>(data.train, Augmenter(d->config.augment),
                                                   d->config.normalize, trainOptions);
    BatchLoaderOptions testOptions = trainOptions;
    testOptions.batchSize = d->config.evalBatchSize;
    testOptions.shuffle = false;
    testOptions.prefetch = 2;
    testOptions.evenShards = false;
    d->testLoader =
            std::make_unique<BatchLoader>(data.test, Augmenter(), d->config.normalize, testOptions);

    d->scheduler = std::make_unique<LrScheduler>(
            d->config.schedule, d->config.optimizer.lr, d->config.epochs,
            static_cast<int>(d->trainLoader->batchesPerEpoch()));
    d->setLr(d->scheduler->lr());
}

Trainer::~Trainer() = default;

void Trainer::setCheckpointDir(const std::string &dir)
{
    d->checkpointDir = dir;
}

int Trainer::resumeFrom(const std::string &checkpointPath)
{
    const CheckpointMeta meta = loadCheckpoint(checkpointPath, d->model, *d->optimizer,
                                               *d->scheduler, d->average.get());
    d->startEpoch = meta.epoch;
    d->bestTestLoss = meta.bestTestLoss;
    d->bestEpoch = meta.bestEpoch;
    d->setLr(d->scheduler->lr());
    return meta.epoch;
}

int Trainer::applyThreadCount(int requested)
{
    // OMP_NUM_THREADS, as PyTorch reads it: `launch` shares the cores between its ranks with it.
    int fromEnvironment = 0;
    if (const char *omp = std::getenv("OMP_NUM_THREADS"))
        fromEnvironment = std::max(0, std::atoi(omp));
    const int threads =
            requested > 0 ? requested
            : fromEnvironment > 0
                    ? fromEnvironment
                    : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    torch::set_num_threads(threads);
    return threads;
}

RunResult Trainer::run(const TrainerCallbacks &callbacks)
{
    applyThreadCount(d->config.threads);
    Collectives *const ranks = d->ranks();
    if (ranks)
        d->shareRootState();
    const int world = ranks ? ranks->worldSize() : 1;
    RunResult result;
    result.bestEpoch = d->bestEpoch;
    const auto batches = static_cast<int>(d->trainLoader->batchesPerEpoch());
    long long step = static_cast<long long>(d->startEpoch) * batches;
    const bool perBatchSchedule = d->scheduler->perBatch();

    for (int epoch = d->startEpoch + 1; epoch <= d->config.epochs; ++epoch) {
        d->model->train();
        const double epochLr = d->scheduler->lr();
        double lrSum = 0; // per-batch schedules: the epoch's rate is the mean of its batches'
        const auto epochStart = Clock::now();
        auto lastReport = Clock::time_point {};
        double lossSum = 0;
        std::int64_t correct = 0, seen = 0;
        int batchIndex = 0;
        d->trainLoader->startEpoch(epoch);
        if (ranks)
            torch::manual_seed(rankEpochSeed(d->config.seed, epoch, ranks->rank()));
        while (std::optional<Batch> batch = d->trainLoader->next()) {
            if (!ranks && !d->waitWhilePaused()) {
                result.status = RunStatus::Stopped;
                result.message = "stopped at epoch " + std::to_string(epoch) + ", batch " +
                                 std::to_string(batchIndex + 1);
                return result;
            }
            ++batchIndex;
            ++step;
            torch::Tensor images = batch->images.to(d->device, true);
            torch::Tensor labels = batch->labels.to(d->device, true);
            std::unique_ptr<LayerStatsProbe> probe;
            if (callbacks.layerStatsEvery > 0 && callbacks.onLayerStats &&
                step % callbacks.layerStatsEvery == 0)
                probe = std::make_unique<LayerStatsProbe>(d->model);
            const RankStep rankStep {ranks, d->stopRequested.load()};
            const StepOutcome outcome =
                    trainStep(d->model, *d->optimizer, images, labels, d->config.labelSmoothing,
                              probe ? std::function<void()>([&probe] { probe->beforeStep(); })
                                    : std::function<void()>(),
                              &rankStep);
            if (outcome.stopped) {
                result.status = RunStatus::Stopped;
                result.message = "stopped at epoch " + std::to_string(epoch) + ", batch " +
                                 std::to_string(batchIndex);
                return result;
            }
            if (d->average && outcome.finite)
                d->average->update();
            if (probe && outcome.finite) {
                probe->afterStep();
                callbacks.onLayerStats({epoch, step, probe->rows()});
            }
            probe.reset();
            const double lossValue = outcome.loss;
            if (!outcome.finite) {
                result.status = RunStatus::Diverged;
                result.message = "diverged at epoch " + std::to_string(epoch) + ", batch " +
                                 std::to_string(batchIndex) + " (loss " +
                                 std::to_string(lossValue) + ")";
                return result;
            }
            if (perBatchSchedule) {
                lrSum += d->scheduler->lr();
                d->scheduler->onBatch();
                d->setLr(d->scheduler->lr());
            }
            const auto n = static_cast<std::int64_t>(batch->indices.size());
            lossSum += lossValue * static_cast<double>(n);
            correct += outcome.output.argmax(1).eq(labels).sum().item<std::int64_t>();
            seen += n;

            const auto now = Clock::now();
            if (callbacks.onBatch &&
                (batchIndex == batches ||
                 now - lastReport >= std::chrono::milliseconds(callbacks.batchIntervalMs))) {
                lastReport = now;
                BatchProgress p;
                p.epoch = epoch;
                p.batch = batchIndex;
                p.batches = batches;
                p.step = step;
                p.batchLoss = lossValue;
                p.runningLoss = lossSum / static_cast<double>(seen);
                p.runningAccuracy =
                        100.0 * static_cast<double>(correct) / static_cast<double>(seen);
                p.epochSeconds = secondsSince(epochStart);
                p.imagesPerSecond =
                        p.epochSeconds > 0 ? static_cast<double>(seen * world) / p.epochSeconds : 0;
                p.lr = d->scheduler->lr();
                p.wallTime = unixTime();
                callbacks.onBatch(p);
            }
        }
        const double trainSeconds = secondsSince(epochStart);
        bool stop = d->stopRequested.load();
        if (ranks) { // the epoch's numbers over every rank's shard, and whether any must stop
            std::vector<double> sums {lossSum, static_cast<double>(correct),
                                      static_cast<double>(seen), stop ? 1.0 : 0.0};
            sumOverRanks(*ranks, sums);
            lossSum = sums[0];
            correct = static_cast<std::int64_t>(sums[1]);
            seen = static_cast<std::int64_t>(sums[2]);
            stop = sums[3] > 0;
        }
        if (stop) {
            result.status = RunStatus::Stopped;
            result.message = "stopped at the end of epoch " + std::to_string(epoch);
            return result;
        }

        EpochMetrics m = d->evaluate(epoch, callbacks);
        m.trainLoss = seen ? lossSum / static_cast<double>(seen) : 0.0;
        m.trainAccuracy =
                seen ? 100.0 * static_cast<double>(correct) / static_cast<double>(seen) : 0.0;
        m.trainImagesPerSecond = trainSeconds > 0 ? static_cast<double>(seen) / trainSeconds : 0.0;
        // A warm-up's first epoch read 0.000021, its first batch's rate, for a mean of 0.0083.
        m.lr = perBatchSchedule && batchIndex > 0 ? lrSum / batchIndex : epochLr;
        m.seconds = secondsSince(epochStart);
        if (m.testLoss < d->bestTestLoss) {
            d->bestTestLoss = m.testLoss;
            d->bestEpoch = epoch;
            m.best = true;
        }
        result.bestEpoch = d->bestEpoch;
        d->scheduler->onEpoch(m.testLoss, m.testAccuracy);
        d->setLr(d->scheduler->lr());

        m.processCpuSeconds = processCpuSeconds();
        m.residentBytes = processResidentBytes();
        m.wallTime = unixTime();
        result.epochs.push_back(m);
        // Listeners (the run store) record the epoch before the checkpoint is written: after a
        // crash in between, resuming redoes the epoch and records the same numbers again, whereas
        // the other order could leave a checkpoint ahead of its recorded metrics.
        if (callbacks.onEpoch)
            callbacks.onEpoch(result.epochs.back());

        if (!d->checkpointDir.empty()) {
            namespace fs = std::filesystem;
            fs::create_directories(d->checkpointDir);
            const CheckpointMeta meta {epoch, d->bestTestLoss, d->bestEpoch,
                                       toJson(d->config).dump()};
            const auto dir = fs::path(d->checkpointDir);
            saveCheckpoint((dir / "last.pt").string(), d->model, *d->optimizer, *d->scheduler, meta,
                           d->average.get());
            if (m.best) {
                std::error_code error;
                fs::copy_file(dir / "last.pt", dir / "best.pt.tmp",
                              fs::copy_options::overwrite_existing, error);
                if (!error)
                    fs::rename(dir / "best.pt.tmp", dir / "best.pt", error);
                if (error) { // a full disk: no half copy left behind
                    const std::string why = error.message();
                    fs::remove(dir / "best.pt.tmp", error);
                    throw InputError((dir / "best.pt").string() + ": write failed: " + why);
                }
            }
        }
    }
    result.status = RunStatus::Finished;
    return result;
}

void Trainer::requestStop()
{
    d->stopRequested = true;
    std::lock_guard lock(d->pauseMutex);
    d->pauseChanged.notify_all();
}

void Trainer::setPaused(bool paused)
{
    d->paused = paused;
    std::lock_guard lock(d->pauseMutex);
    d->pauseChanged.notify_all();
}

bool Trainer::isPaused() const
{
    return d->paused.load();
}

std::int64_t Trainer::parameterCount() const
{
    return d->model->parameterCount();
}

int Trainer::rank() const
{
    return d->rank();
}

int Trainer::worldSize() const
{
    return d->ranks() ? d->ranks()->worldSize() : 1;
}

std::string Trainer::deviceName() const
{
    return d->device.is_cuda() ? "cuda" : "cpu";
}

const ExperimentConfig &Trainer::config() const
{
    return d->config;
}

} // namespace normlab
