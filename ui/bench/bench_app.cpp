#include "bench_app.h"

#include "batch_loader.h"
#include "blas_probe.h"
#include "cli_app.h"
#include "config_json.h"
#include "dataset.h"
#include "errors.h"
#include "presets.h"
#include "pytorch_reference.h"
#include "run_session.h"
#include "step_profile.h"
#include "synthetic.h"
#include "trainer.h"
#include "version.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>

namespace normlab::cli {

namespace {

// Netlib's reference BLAS reaches about 2.5 GFLOP/s on 2 cores, OpenBLAS 60 per core or more.
constexpr double kSlowBlasGflops = 20;

struct BenchRow
{
    std::string preset;
    double trainImagesPerSecond = 0;
    double evalImagesPerSecond = 0;
    double pipelineImagesPerSecond = 0;
    std::int64_t parameters = 0;
};

double pipelineRate(const ExperimentConfig &config, const Dataset &train, bool channelsLast)
{
    BatchLoaderOptions options;
    options.batchSize = config.batchSize;
    options.workers = config.data.workers;
    options.channelsLast = channelsLast;
    BatchLoader loader(train, Augmenter(config.augment), config.normalize, options);
    loader.startEpoch(1);
    const auto start = std::chrono::steady_clock::now();
    std::size_t images = 0;
    while (auto batch = loader.next())
        images += batch->indices.size();
    const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return seconds > 0 ? static_cast<double>(images) / seconds : 0.0;
}

ExperimentConfig benchConfig(const std::string &preset, const ExperimentConfig &base, int epochs)
{
    ExperimentConfig config = presetConfig(preset);
    config.batchSize = base.batchSize;
    if (base.evalBatchSize > 0)
        config.evalBatchSize = base.evalBatchSize;
    config.threads = base.threads;
    config.data.workers = base.data.workers;
    config.memoryFormat = base.memoryFormat;
    config.device = base.device;
    // A benchmark's few epochs keep the preset's share of warm-up (tiny warms up for 3 of 100
    // epochs): the preset's 3 would be all of a 3-epoch benchmark, which the config check refuses.
    if (config.schedule.warmupEpochs > 0 && config.epochs > 0)
        config.schedule.warmupEpochs *= static_cast<double>(epochs) / config.epochs;
    config.epochs = epochs;
    // One view per test image, as the PyTorch side evaluates: the benchmark times the network,
    // not the preset's test-time views (tiny's ten would read as a network five times slower).
    config.testTimeFlip = false;
    config.testTimeShift = 0;
    return config;
}

double median(std::vector<double> v)
{
    if (v.empty())
        return 0.0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// `layerStatsEvery`: sample the per-layer statistics as a recorded run does (0: not at all); the
// samples are made and dropped, so only their computation is timed, not the store's writes.
BenchRow measure(const std::string &preset, const ExperimentConfig &base, const DatasetPair &data,
                 int epochs, int layerStatsEvery)
{
    const ExperimentConfig config = benchConfig(preset, base, epochs);
    BenchRow row;
    row.preset = preset;
    Trainer trainer(config, data);
    row.parameters = trainer.parameterCount();
    TrainerCallbacks callbacks;
    if (layerStatsEvery > 0) {
        callbacks.layerStatsEvery = layerStatsEvery;
        callbacks.onLayerStats = [](const LayerStatsSample &) {};
        callbacks.onLayerHistograms = [](const std::vector<LayerHistogram> &) {};
    }
    const RunResult result = trainer.run(callbacks);
    // The first epoch includes one-time costs (allocator, oneDNN primitive creation): skip it.
    std::vector<double> train, eval;
    for (std::size_t i = result.epochs.size() > 1 ? 1 : 0; i < result.epochs.size(); ++i) {
        train.push_back(result.epochs[i].trainImagesPerSecond);
        eval.push_back(result.epochs[i].evalImagesPerSecond);
    }
    row.trainImagesPerSecond = median(train);
    row.evalImagesPerSecond = median(eval);
    row.pipelineImagesPerSecond = pipelineRate(config, data.train, usesChannelsLast(config));
    return row;
}

// Each preset with the per-layer statistics sampled every `every` batches and without, in turn,
// `rounds` times: what recording them costs a training step.
void compareLayerStats(const std::vector<std::string> &names, const ExperimentConfig &base,
                       const DatasetPair &data, int epochs, int rounds, int every)
{
    std::printf("per-layer statistics every %d batches against none; median of %d rounds, in turn; "
                "batch %d, %d threads, %zu train images\n",
                every, rounds, base.batchSize, base.threads, data.train.size());
    std::printf("%-7s %14s %14s %9s   %12s %12s\n", "preset", "train img/s", "without", "overhead",
                "eval img/s", "without");
    for (const std::string &name : names) {
        std::vector<double> with, without, evalWith, evalWithout;
        for (int round = 1; round <= rounds; ++round) {
            std::fprintf(stderr, "round %d/%d: %s with and without\n", round, rounds, name.c_str());
            const BenchRow on = measure(name, base, data, epochs, every);
            const BenchRow off = measure(name, base, data, epochs, 0);
            with.push_back(on.trainImagesPerSecond);
            without.push_back(off.trainImagesPerSecond);
            evalWith.push_back(on.evalImagesPerSecond);
            evalWithout.push_back(off.evalImagesPerSecond);
        }
        const double on = median(with), off = median(without);
        std::printf("%-7s %14.0f %14.0f %8.1f%%   %12.0f %12.0f\n", name.c_str(), on, off,
                    off > 0 ? 100.0 * (off - on) / off : 0.0, median(evalWith),
                    median(evalWithout));
        std::fflush(stdout);
    }
}

// NormLab and PyTorch in turn for each preset, `rounds` times, so that the machine's drift from
// minute to minute falls on both columns alike; then the medians and their ratios.
void compareWithPytorch(const PytorchReference &reference, const std::vector<std::string> &names,
                        const ExperimentConfig &base, const DatasetPair &data, int epochs,
                        int rounds, int layerStatsEvery)
{
    const std::string missing = reference.unavailable();
    if (!missing.empty())
        std::printf("PyTorch column skipped: %s\n\n", missing.c_str());
    struct Samples
    {
        std::vector<double> train, eval, torchTrain, torchEval;
        std::set<int> torchEvalBatches;
        std::int64_t parameters = 0, torchParameters = 0;
    };
    std::vector<Samples> samples(names.size());
    for (int round = 1; round <= rounds; ++round) {
        for (std::size_t i = 0; i < names.size(); ++i) {
            std::fprintf(stderr, "round %d/%d: %s in NormLab%s\n", round, rounds, names[i].c_str(),
                         missing.empty() ? ", then in PyTorch" : "");
            const BenchRow row = measure(names[i], base, data, epochs, layerStatsEvery);
            samples[i].train.push_back(row.trainImagesPerSecond);
            samples[i].eval.push_back(row.evalImagesPerSecond);
            samples[i].parameters = row.parameters;
            if (!missing.empty())
                continue;
            const ReferenceResult r = reference.measure(benchConfig(names[i], base, epochs),
                                                        static_cast<int>(data.train.size()),
                                                        static_cast<int>(data.test.size()), epochs);
            if (!r.error.empty())
                throw InputError(names[i] + ": " + r.error);
            samples[i].torchTrain.push_back(r.trainImagesPerSecond);
            samples[i].torchEval.push_back(r.evalImagesPerSecond);
            samples[i].torchEvalBatches.insert(r.evalBatchSize);
            samples[i].torchParameters = r.parameters;
        }
    }
    const int evalBatch = benchConfig(names.front(), base, epochs).evalBatchSize;
    std::printf(
            "median of %d round%s%s; batch %d, %d threads, synthetic images; NormLab evaluates at "
            "batch %d%s\n",
            rounds, rounds == 1 ? "" : "s", missing.empty() ? ", NormLab and PyTorch in turn" : "",
            base.batchSize, base.threads, evalBatch,
            missing.empty() ? ", PyTorch at its fastest batch (the last column)" : "");
    std::printf("%-7s %-29s %-29s\n", "", "  train img/s (data included)", "  eval img/s");
    std::printf("%-7s %10s %10s %6s  %10s %10s %6s  %s\n", "preset", "NormLab", "PyTorch", "ratio",
                "NormLab", "PyTorch", "ratio", missing.empty() ? "PyTorch eval batch" : "");
    for (std::size_t i = 0; i < names.size(); ++i) {
        const Samples &s = samples[i];
        const double train = median(s.train), eval = median(s.eval);
        if (missing.empty()) {
            const double torchTrain = median(s.torchTrain), torchEval = median(s.torchEval);
            std::string batches;
            for (int b : s.torchEvalBatches)
                batches += (batches.empty() ? "" : "/") + std::to_string(b);
            std::printf("%-7s %10.0f %10.0f %5.2fx  %10.0f %10.0f %5.2fx  %s", names[i].c_str(),
                        train, torchTrain, train / torchTrain, eval, torchEval, eval / torchEval,
                        batches.c_str());
            if (s.parameters != s.torchParameters)
                std::printf("   models differ: %lld against %lld parameters",
                            static_cast<long long>(s.parameters),
                            static_cast<long long>(s.torchParameters));
            std::printf("\n");
        } else {
            std::printf("%-7s %10.0f %10s %6s  %10.0f %10s %6s\n", names[i].c_str(), train, "-", "",
                        eval, "-", "");
        }
    }
}

} // namespace

int runBench(int argc, char **argv)
{
    CLI::App app {"NormLab throughput benchmark", "normlab-bench"};
    std::vector<std::string> names = {"s8-bn", "s8-gn", "s8-ln", "s9"};
    ExperimentConfig base;
    base.batchSize = 64;
    base.evalBatchSize = 0; // the preset's
    base.threads = 2;
    int trainImages = 3200;
    int testImages = 2000;
    int epochs = 3;
    bool json = false;
    bool profile = false;
    app.add_option("--presets", names, "Presets to measure")->delimiter(',');
    app.add_option("--batch-size", base.batchSize,
                   "Training batch size (the reference was timed at 64)");
    app.add_option("--eval-batch-size", base.evalBatchSize,
                   "Evaluation batch size (default: the preset's)")
            ->check(CLI::Range(1, 65536));
    app.add_option("--threads", base.threads, "LibTorch threads");
    app.add_option("--workers", base.data.workers, "Data-pipeline threads");
    app.add_option("--memory-format", base.memoryFormat, "auto, nchw or channels_last");
    app.add_option("--device", base.device, "auto, cpu or cuda");
    app.add_option("--train-images", trainImages, "Synthetic training images per epoch");
    app.add_option("--test-images", testImages, "Synthetic test images per evaluation");
    app.add_option("--epochs", epochs,
                   "Epochs; the first is a warm-up, the median of the rest is reported");
    app.add_flag("--json", json, "One JSON object per preset");
    app.add_flag("--profile", profile,
                 "Also break one training step down into data, forward, loss, backward, optimizer");
    bool vsPytorch = false;
    int rounds = 3;
    std::string python = "/usr/bin/python3";
    std::string reference = defaultReferenceScript();
    app.add_flag("--vs-pytorch", vsPytorch,
                 "Each preset in NormLab and in the PyTorch reference, interleaved, --rounds "
                 "times: medians and ratios");
    app.add_option("--rounds", rounds, "Rounds of --vs-pytorch")->check(CLI::Range(1, 100));
    app.add_option("--python", python,
                   "Python for --vs-pytorch (Debian's, which sees python3-torch)");
    app.add_option("--reference", reference, "The PyTorch reference script for --vs-pytorch");
    int layerStatsEvery = kLayerStatsEvery;
    CLI::Option *layerStatsOption =
            app.add_option("--layer-stats-every", layerStatsEvery,
                           "Sample the per-layer statistics every N batches, as a recorded run "
                           "does (0: never; --vs-pytorch: never unless given, as PyTorch's side "
                           "samples none)")
                    ->capture_default_str()
                    ->check(CLI::Range(0, 1000000));
    bool layerStatsCost = false;
    app.add_flag("--layer-stats-cost", layerStatsCost,
                 "Each preset with and without the per-layer statistics, interleaved, --rounds "
                 "times: their cost");
    app.set_version_flag("--version", "normlab-bench " + version());
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        const int code = app.exit(e);
        return code == 0 ? Success : BadInput;
    }
    // Like with like: the epoch's probe of the per-layer statistics (about a quarter of a 2,000-
    // image evaluation) is a recorded run's diagnostics, which the PyTorch side does not do.
    if (vsPytorch && layerStatsOption->count() == 0)
        layerStatsEvery = 0;
    try {
        Trainer::applyThreadCount(base.threads);
        const BlasProbe blas = probeBlas();
        if (json) {
            std::printf("%s\n", nlohmann::json {{"blas_library", blas.library},
                                                {"sgemm_size", blas.size},
                                                {"sgemm_gflops", blas.gflops},
                                                {"threads", blas.threads}}
                                        .dump()
                                        .c_str());
        } else {
            std::printf("BLAS: %s, SGEMM %d: %.1f GFLOP/s (%d threads)\n",
                        blas.library.empty() ? "none found" : blas.library.c_str(), blas.size,
                        blas.gflops, blas.threads);
            if (blas.gflops < kSlowBlasGflops)
                std::printf("      slow for matrix products: install an optimized BLAS "
                            "(apt install libopenblas0-openmp)\n\n");
        }
        std::fflush(stdout);
        const DatasetPair data = makeSyntheticPair(static_cast<std::size_t>(trainImages),
                                                   static_cast<std::size_t>(testImages), 1);
        if (layerStatsCost) {
            compareLayerStats(names, base, data, epochs, rounds,
                              layerStatsEvery > 0 ? layerStatsEvery : kLayerStatsEvery);
            return Success;
        }
        if (vsPytorch) {
            compareWithPytorch(PytorchReference(python, reference), names, base, data, epochs,
                               rounds, layerStatsEvery);
            return Success;
        }
        if (!json)
            std::printf(
                    "%-7s %14s %14s %16s   (batch %d, %d threads, %d train images, %d epochs)\n",
                    "preset", "train img/s", "eval img/s", "pipeline img/s", base.batchSize,
                    base.threads, trainImages, epochs);
        for (const std::string &name : names) {
            const BenchRow row = measure(name, base, data, epochs, layerStatsEvery);
            if (json) {
                std::printf(
                        "%s\n",
                        nlohmann::json {{"preset", row.preset},
                                        {"train_images_per_second", row.trainImagesPerSecond},
                                        {"eval_images_per_second", row.evalImagesPerSecond},
                                        {"pipeline_images_per_second", row.pipelineImagesPerSecond},
                                        {"batch_size", base.batchSize},
                                        {"threads", base.threads}}
                                .dump()
                                .c_str());
            } else {
                std::printf("%-7s %14.0f %14.0f %16.0f\n", row.preset.c_str(),
                            row.trainImagesPerSecond, row.evalImagesPerSecond,
                            row.pipelineImagesPerSecond);
            }
            std::fflush(stdout);
        }
        if (profile) {
            std::printf("\nms per training step (batch %d): %7s %8s %6s %9s %10s %7s\n",
                        base.batchSize, "data", "forward", "loss", "backward", "optimizer",
                        "total");
            for (const std::string &name : names) {
                ExperimentConfig config = presetConfig(name);
                config.batchSize = base.batchSize;
                config.data.workers = base.data.workers;
                config.memoryFormat = base.memoryFormat;
                Trainer::applyThreadCount(base.threads);
                const StepProfile p = profileTrainingStep(config, data.train, 100, 100);
                std::printf("%-7s %30.2f %8.2f %6.2f %9.2f %10.2f %7.2f\n", name.c_str(), p.dataMs,
                            p.forwardMs, p.lossMs, p.backwardMs, p.optimizerMs, p.totalMs());
            }
        }
    } catch (const InputError &e) {
        std::fprintf(stderr, "normlab-bench: %s\n", e.what());
        return BadInput;
    }
    return Success;
}

} // namespace normlab::cli
