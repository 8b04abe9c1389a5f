#include "cli_app.h"

#include "config_json.h"
#include "config_options.h"
#include "download.h"
#include "durations.h"
#include "errors.h"
#include "export_command.h"
#include "evaluate_command.h"
#include "gradcam_command.h"
#include "interrupt_watcher.h"
#include "lr_find_command.h"
#include "model_spec.h"
#include "paths.h"
#include "predict_command.h"
#include "presets.h"
#include "progress_printer.h"
#include "report_command.h"
#include "runs_commands.h"
#include "store_commands.h"
#include "sweep_task_command.h"
#include "train_commands.h"
#include "version.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <unistd.h>

namespace fs = std::filesystem;

namespace normlab::cli {

namespace {

int download(const std::string &dir, const std::string &url)
{
    const bool tty = ::isatty(::fileno(stderr));
    auto lastPrint = std::chrono::steady_clock::now();
    const DownloadProgressFn progress = [&](std::int64_t received, std::int64_t total) {
        const auto now = std::chrono::steady_clock::now();
        if (tty && now - lastPrint > std::chrono::milliseconds(200)) {
            lastPrint = now;
            if (total > 0)
                std::fprintf(stderr, "\r\033[Kdownloading %.1f / %.1f MB (%.0f%%)", received / 1e6,
                             total / 1e6,
                             100.0 * static_cast<double>(received) / static_cast<double>(total));
            else
                std::fprintf(stderr, "\r\033[Kdownloading %.1f MB", received / 1e6);
        }
        return !InterruptWatcher::interrupted();
    };
    InterruptWatcher watcher(nullptr);
    const std::string target = downloadCifar10(dir, url, progress);
    if (tty)
        std::fputs("\r\033[K", stderr);
    std::printf("CIFAR-10 is ready in %s\n", target.c_str());
    return Success;
}

} // namespace

int runCli(int argc, char **argv)
{
    CLI::App app {"NormLab: train small CNNs on CIFAR-10 and compare normalizations",
                  "normlab-cli"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "normlab-cli " + version() + " (" + gitCommit() + ")");

    TrainArgs trainArgs;
    CLI::App *trainCmd = app.add_subcommand(
            "train", "Train a model, record the run and print one line per epoch");
    trainArgs.config.addTo(*trainCmd);
    trainArgs.store.addTo(*trainCmd);
    trainCmd->add_option("--name", trainArgs.name,
                         "The run's name (default: the preset or config name)");
    trainCmd->add_option("--tag", trainArgs.tags, "Tag the run (repeatable)");
    trainCmd->add_option("--out", trainArgs.out,
                         "Keep config.json, metrics.jsonl and the checkpoints in this folder");
    trainCmd->add_option("--save-config", trainArgs.saveConfig,
                         "Write the resolved config to this JSON file");
    trainArgs.dist.addTo(*trainCmd);
    trainCmd->add_flag("--json", trainArgs.json,
                       "Machine-readable JSON lines instead of the table");

    ResumeArgs resumeArgs;
    CLI::App *resumeCmd = app.add_subcommand(
            "resume", "Continue a stopped or interrupted run from its last checkpoint");
    resumeCmd->add_option("run", resumeArgs.run, "Run id")->required();
    resumeArgs.store.addTo(*resumeCmd);
    resumeArgs.dist.addTo(*resumeCmd);
    resumeCmd->add_flag("--json", resumeArgs.json,
                        "Machine-readable JSON lines instead of the table");

    LaunchArgs launchArgs;
    CLI::App *launchCmd = app.add_subcommand(
            "launch", "Run train or resume as N data-parallel ranks on this machine, over "
                      "loopback (e.g. launch --nproc 2 -- train --preset s8-gn)");
    launchCmd->add_option("--nproc", launchArgs.processes, "Ranks to start (default 2)")
            ->check(CLI::Range(1, 64));
    launchCmd
            ->add_option("--port", launchArgs.port,
                         "Rank 0's port on 127.0.0.1 (default: a free one)")
            ->check(CLI::Range(1, 65535));
    launchCmd->add_option("command", launchArgs.command,
                          "After --: the train or resume command line each rank runs");

    SweepArgs sweepArgs;
    CLI::App *sweepCmd =
            app.add_subcommand("sweep", "Queue a grid of runs (e.g. --norm batch,group,layer "
                                        "--seeds 3) and train them one after another");
    sweepArgs.config.addTo(*sweepCmd);
    sweepArgs.config.allowNormList();
    sweepArgs.store.addTo(*sweepCmd);
    sweepCmd->add_option(
            "--grid", sweepArgs.grid,
            "KEY=V1,V2,...: a config key (model.groups, optimizer.lr, batch_size, ... or norm, lr, "
            "groups, dropout, batch-size, optimizer, schedule) and its values; repeatable");
    sweepCmd->add_option("--seeds", sweepArgs.seeds,
                         "Repeat every point with N seeds (seed, seed+1, ...)");
    sweepCmd->add_option("--name", sweepArgs.name, "Name prefix of the queued runs");
    sweepCmd->add_option("--tag", sweepArgs.tags, "Tag every run (repeatable)");
    sweepCmd->add_option("--resume", sweepArgs.resume, "Continue a sweep (its id, or last)")
            ->expected(0, 1)
            ->default_str("last");
    sweepCmd->add_flag("--dry-run", sweepArgs.dryRun, "Print the grid without queueing it");
    sweepArgs.slurm.addTo(*sweepCmd);
    sweepCmd->add_flag("--json", sweepArgs.json,
                       "Machine-readable JSON lines instead of the tables");

    SweepTaskArgs sweepTaskArgs;
    CLI::App *sweepTaskCmd = app.add_subcommand(
            "sweep-task", "One run of a sweep submitted with --slurm, into its folder's store "
                          "(what each Slurm array task runs)");
    sweepTaskCmd->add_option("dir", sweepTaskArgs.dir, "The sweep's folder")->required();
    sweepTaskCmd
            ->add_option("--index", sweepTaskArgs.index, "Which run (default $SLURM_ARRAY_TASK_ID)")
            ->check(CLI::Range(0, 1000000));
    sweepTaskCmd->add_option("--threads", sweepTaskArgs.threads, "LibTorch threads")
            ->check(CLI::Range(1, 1024));
    sweepTaskCmd->add_flag("--json", sweepTaskArgs.json, "JSON lines instead of the table");
    sweepTaskArgs.dist.addTo(*sweepTaskCmd);

    RunsCommands runsCommands;
    runsCommands.addTo(app);
    StoreCommands storeCommands;
    storeCommands.addTo(app);
    ExportCommand exportCommand;
    exportCommand.addTo(app);
    LrFindCommand lrFindCommand;
    lrFindCommand.addTo(app);
    PredictCommand predictCommand;
    predictCommand.addTo(app);
    EvaluateCommand evaluateCommand;
    evaluateCommand.addTo(app);
    GradCamCommand gradCamCommand;
    gradCamCommand.addTo(app);
    ReportCommand reportCommand;
    reportCommand.addTo(app);

    ConfigOptions printConfig;
    std::string printConfigOut;
    CLI::App *configCmd = app.add_subcommand(
            "config", "Print the resolved config as JSON (a file to edit and reuse)");
    printConfig.addTo(*configCmd);
    configCmd->add_option("--out", printConfigOut, "Write it to this file instead");

    ConfigOptions summaryConfig;
    CLI::App *summaryCmd = app.add_subcommand(
            "summary", "Print the model summary: layers, shapes, parameters, MACs");
    summaryConfig.addTo(*summaryCmd, false);

    std::string downloadDir = userDataDir();
    std::string downloadUrl;
    CLI::App *downloadCmd =
            app.add_subcommand("download", "Download CIFAR-10 (170 MB) into the data directory");
    downloadCmd->add_option("--dir", downloadDir, "Target folder")->capture_default_str();
    downloadCmd->add_option("--url", downloadUrl, "A mirror of cifar-10-binary.tar.gz");

    CLI::App *presetsCmd = app.add_subcommand(
            "presets", "List the presets with their published and measured test accuracy");

    // CLI11 reads an unknown word as a stray argument ("A subcommand is required"): name it, at
    // any level ("runs frob").
    CLI::App *level = &app;
    std::string path = "normlab-cli";
    for (int i = 1; i < argc && argv[i][0] != '-'; ++i) {
        const std::vector<CLI::App *> subs =
                level->get_subcommands([](CLI::App *) { return true; });
        if (subs.empty())
            break; // a command's own arguments
        const std::string word = argv[i];
        std::string known;
        CLI::App *next = nullptr;
        for (CLI::App *sub : subs) {
            if (sub->get_name() == word)
                next = sub;
            known += (known.empty() ? "" : ", ") + sub->get_name();
        }
        if (!next) {
            std::fprintf(stderr, "%s: unknown command '%s'; the commands are: %s\n", path.c_str(),
                         word.c_str(), known.c_str());
            return BadInput;
        }
        level = next;
        path += " " + word;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        const int code = app.exit(e);
        return code == 0 ? Success : BadInput;
    }

    try {
        if (*trainCmd)
            return train(trainArgs);
        if (*resumeCmd)
            return resume(resumeArgs);
        if (*launchCmd)
            return launch(launchArgs);
        if (*sweepCmd)
            return sweep(sweepArgs);
        if (*sweepTaskCmd)
            return sweepTask(sweepTaskArgs);
        if (runsCommands.parsed())
            return runsCommands.run();
        if (storeCommands.parsed())
            return storeCommands.run();
        if (exportCommand.parsed())
            return exportCommand.run();
        if (lrFindCommand.parsed())
            return lrFindCommand.run();
        if (predictCommand.parsed())
            return predictCommand.run();
        if (evaluateCommand.parsed())
            return evaluateCommand.run();
        if (gradCamCommand.parsed())
            return gradCamCommand.run();
        if (reportCommand.parsed())
            return reportCommand.run();
        if (*configCmd) {
            const ExperimentConfig c = printConfig.build();
            if (printConfigOut.empty())
                std::printf("%s\n", toJson(c).dump(2).c_str());
            else
                saveConfigFile(c, printConfigOut);
            return Success;
        }
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
            const auto percent = [](double value) {
                return value > 0 ? formatFixed(value, 2) + " %" : std::string("-");
            };
            std::printf("%-6s  %9s  %9s  %s\n", "preset", "published", "NormLab", "about");
            for (const PresetInfo &p : presets())
                std::printf("%-6s  %9s  %9s  %s\n", p.name.c_str(),
                            percent(p.referenceAccuracy).c_str(),
                            percent(p.measuredAccuracy).c_str(), p.description.c_str());
            std::printf("\npublished: the reference study's test accuracy on the original "
                        "CIFAR-10.\nNormLab: the last epoch after the preset's full recipe on "
                        "the JPEG copy of CIFAR-10\n(about three points below the original "
                        "for every net measured), mean over seeds; see README.md.\n");
            return Success;
        }
    } catch (const InputError &e) {
        std::fprintf(stderr, "normlab-cli: %s\n", e.what());
        return BadInput;
    } catch (const std::filesystem::filesystem_error &e) {
        std::fprintf(stderr, "normlab-cli: %s\n", e.what());
        return BadInput;
    } catch (const ComputeError &e) {
        std::fprintf(stderr, "normlab-cli: %s\n", e.what());
        return RunFailed;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "normlab-cli: internal error: %s\n", e.what());
        return RunFailed;
    }
    return Success;
}

} // namespace normlab::cli
