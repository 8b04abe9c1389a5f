#include "cli_app.h"

#include "config_json.h"
#include "config_options.h"
#include "dataset.h"
#include "download.h"
#include "errors.h"
#include "metrics_json.h"
#include "model_spec.h"
#include "paths.h"
#include "presets.h"
#include "progress_printer.h"
#include "trainer.h"
#include "version.h"

#include <CLI/CLI.hpp>
#include <c10/util/Exception.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace normlab::cli {

namespace {

std::atomic<bool> g_interrupted{false};

void onInterrupt(int)
{
    g_interrupted = true;
    std::signal(SIGINT, SIG_DFL); // a second Ctrl-C ends the process at once
}

// Forwards Ctrl-C to the trainer: a signal handler may only set a flag, so a small thread turns
// the flag into a stop request.
class InterruptWatcher
{
public:
    explicit InterruptWatcher(Trainer &trainer)
    {
        g_interrupted = false;
        std::signal(SIGINT, &onInterrupt);
        m_thread = std::thread([this, &trainer] {
            while (!m_done) {
                if (g_interrupted.exchange(false))
                    trainer.requestStop();
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        });
    }
    ~InterruptWatcher()
    {
        m_done = true;
        m_thread.join();
        std::signal(SIGINT, SIG_DFL);
    }

private:
    std::atomic<bool> m_done{false};
    std::thread m_thread;
};

struct TrainArgs
{
    ConfigOptions config;
    std::string out;
    std::string saveConfig;
    std::string resume;
    bool json = false;
};

std::string describeData(const DatasetPair &data)
{
    std::string text = data.kind;
    if (!data.path.empty())
        text += " " + data.path;
    return text + " (" + std::to_string(data.train.size()) + " train, " + std::to_string(data.test.size())
            + " test, " + std::to_string(data.train.numClasses()) + " classes)";
}

int train(const TrainArgs &args)
{
    const ExperimentConfig config = args.config.build();
    if (!args.saveConfig.empty())
        saveConfigFile(config, args.saveConfig);

    ProgressPrinter printer(args.json ? ProgressPrinter::Mode::Json : ProgressPrinter::Mode::Table, config.epochs);
    const auto loadStart = std::chrono::steady_clock::now();
    const DatasetPair data = loadDatasets(config.data);
    const double loadSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - loadStart).count();

    Trainer trainer(config, data);
    std::ofstream metricsFile;
    if (!args.out.empty()) {
        fs::create_directories(args.out);
        saveConfigFile(config, (fs::path(args.out) / "config.json").string());
        trainer.setCheckpointDir(args.out);
        metricsFile.open(fs::path(args.out) / "metrics.jsonl", args.resume.empty() ? std::ios::trunc : std::ios::app);
        if (!metricsFile)
            throw InputError(args.out + ": cannot write metrics.jsonl");
    }
    if (!args.resume.empty())
        trainer.resumeFrom(args.resume);

    const int threads = Trainer::applyThreadCount(config.threads);
    char header[1024];
    std::snprintf(header, sizeof header,
                  "NormLab %s  preset %s  norm %s  params %lld  device %s  threads %d\n"
                  "data: %s, loaded in %.1f s\naugment: %s  batch %d  lr %g  epochs %d  seed %llu\n",
                  version().c_str(), config.preset.empty() ? "custom" : config.preset.c_str(),
                  toString(config.model.norm).c_str(), static_cast<long long>(trainer.parameterCount()),
                  trainer.deviceName().c_str(), threads, describeData(data).c_str(), loadSeconds,
                  augmentSummary(config).c_str(), config.batchSize, config.optimizer.lr, config.epochs,
                  static_cast<unsigned long long>(config.seed));
    printer.printHeader(header);

    TrainerCallbacks callbacks;
    callbacks.onBatch = [&](const BatchProgress &p) { printer.onBatch(p); };
    callbacks.onEpoch = [&](const EpochMetrics &m) {
        printer.onEpoch(m);
        if (metricsFile.is_open())
            metricsFile << toJson(m).dump() << '\n' << std::flush;
    };
    callbacks.batchIntervalMs = args.json ? 1000 : 200;

    RunResult result;
    {
        InterruptWatcher watcher(trainer);
        result = trainer.run(callbacks);
    }
    printer.printResult(result);
    switch (result.status) {
    case RunStatus::Finished: return Success;
    case RunStatus::Stopped: return Interrupted;
    case RunStatus::Diverged:
    case RunStatus::Failed: return RunFailed;
    }
    return RunFailed;
}

int download(const std::string &dir, const std::string &url)
{
    const bool tty = ::isatty(::fileno(stderr));
    auto lastPrint = std::chrono::steady_clock::now();
    const DownloadProgressFn progress = [&](std::int64_t received, std::int64_t total) {
        const auto now = std::chrono::steady_clock::now();
        if (tty && now - lastPrint > std::chrono::milliseconds(200)) {
            lastPrint = now;
            if (total > 0)
                std::fprintf(stderr, "\r\033[Kdownloading %.1f / %.1f MB (%.0f%%)", received / 1e6, total / 1e6,
                             100.0 * static_cast<double>(received) / static_cast<double>(total));
            else
                std::fprintf(stderr, "\r\033[Kdownloading %.1f MB", received / 1e6);
        }
        return !g_interrupted.load();
    };
    g_interrupted = false;
    std::signal(SIGINT, &onInterrupt);
    const std::string target = downloadCifar10(dir, url, progress);
    std::signal(SIGINT, SIG_DFL);
    if (tty)
        std::fputs("\r\033[K", stderr);
    std::printf("CIFAR-10 is ready in %s\n", target.c_str());
    return Success;
}

} // namespace

int runCli(int argc, char **argv)
{
    CLI::App app{"NormLab: train small CNNs on CIFAR-10 and compare normalizations", "normlab-cli"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "normlab-cli " + version() + " (" + gitCommit() + ")");

    TrainArgs trainArgs;
    CLI::App *trainCmd = app.add_subcommand("train", "Train a model and print one line per epoch");
    trainArgs.config.addTo(*trainCmd);
    trainCmd->add_option("--out", trainArgs.out, "Folder for config.json, metrics.jsonl and checkpoints");
    trainCmd->add_option("--save-config", trainArgs.saveConfig, "Write the resolved config to this JSON file");
    trainCmd->add_option("--resume", trainArgs.resume, "Continue from a checkpoint (last.pt)");
    trainCmd->add_flag("--json", trainArgs.json, "Machine-readable JSON lines instead of the table");

    ConfigOptions summaryConfig;
    CLI::App *summaryCmd = app.add_subcommand("summary", "Print the model summary: layers, shapes, parameters, MACs");
    summaryConfig.addTo(*summaryCmd, false);

    std::string downloadDir = userDataDir();
    std::string downloadUrl;
    CLI::App *downloadCmd = app.add_subcommand("download", "Download CIFAR-10 (170 MB) into the data directory");
    downloadCmd->add_option("--dir", downloadDir, "Target folder")->capture_default_str();
    downloadCmd->add_option("--url", downloadUrl, "A mirror of cifar-10-binary.tar.gz");

    CLI::App *presetsCmd = app.add_subcommand("presets", "List the presets and their reference results");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        const int code = app.exit(e);
        return code == 0 ? Success : BadInput;
    }

    try {
        if (*trainCmd)
            return train(trainArgs);
        if (*summaryCmd) {
            const ExperimentConfig c = summaryConfig.build();
            std::printf("%s (%s, norm %s)\n", c.preset.empty() ? "custom" : c.preset.c_str(),
                        toString(c.model.arch).c_str(), toString(c.model.norm).c_str());
            std::fputs(formatSummary(summarize(buildModelSpec(c.model))).c_str(), stdout);
            return Success;
        }
        if (*downloadCmd)
            return download(downloadDir, downloadUrl);
        if (*presetsCmd) {
            for (const PresetInfo &p : presets())
                std::printf("%-6s  %5.2f %%  %s\n", p.name.c_str(), p.referenceAccuracy, p.description.c_str());
            return Success;
        }
    } catch (const InputError &e) {
        std::fprintf(stderr, "normlab-cli: %s\n", e.what());
        return BadInput;
    } catch (const std::filesystem::filesystem_error &e) {
        std::fprintf(stderr, "normlab-cli: %s\n", e.what());
        return BadInput;
    } catch (const c10::Error &e) {
        std::fprintf(stderr, "normlab-cli: LibTorch error: %s\n", e.what_without_backtrace());
        return RunFailed;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "normlab-cli: internal error: %s\n", e.what());
        return RunFailed;
    }
    return Success;
}

} // namespace normlab::cli
