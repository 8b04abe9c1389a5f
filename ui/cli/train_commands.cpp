#include "train_commands.h"

#include "cli_app.h"
#include "collectives.h"
#include "config_json.h"
#include "errors.h"
#include "interrupt_watcher.h"
#include "model_spec.h"
#include "recorded_config.h"
#include "run_session.h"
#include "run_store.h"
#include "sweep_plan.h"
#include "training_run.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>

namespace fs = std::filesystem;
using nlohmann::json;

namespace normlab::cli {

namespace {

// Short names for the keys people sweep most; anything else is a config path like model.groups.
std::string expandKey(const std::string &key)
{
    static const std::map<std::string, std::string> aliases = {
            {"norm", "model.norm"},
            {"groups", "model.groups"},
            {"dropout", "model.dropout"},
            {"skip", "model.skip"},
            {"affine", "model.affine"},
            {"lr", "optimizer.lr"},
            {"momentum", "optimizer.momentum"},
            {"weight-decay", "optimizer.weight_decay"},
            {"optimizer", "optimizer.type"},
            {"schedule", "schedule.type"},
            {"batch-size", "batch_size"},
            {"label-smoothing", "label_smoothing"}};
    const auto it = aliases.find(key);
    return it == aliases.end() ? key : it->second;
}

json parseScalar(const std::string &text)
{
    json value = json::parse(text, nullptr, false);
    if (value.is_discarded() || value.is_object() || value.is_array())
        return text; // a bare word such as batch or sgd
    return value;
}

SweepAxis parseGridEntry(const std::string &entry)
{
    const auto eq = entry.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == entry.size())
        throw ConfigError("--grid " + entry +
                          ": expected KEY=VALUE1,VALUE2,... (for example norm=batch,group,layer)");
    SweepAxis axis {expandKey(entry.substr(0, eq)), {}};
    std::string rest = entry.substr(eq + 1);
    std::size_t start = 0;
    while (start <= rest.size()) {
        const std::size_t comma = rest.find(',', start);
        const std::string item =
                rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (item.empty())
            throw ConfigError("--grid " + entry + ": an empty value");
        axis.values.push_back(parseScalar(item));
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    return axis;
}

// The grid's runs, each checked.
SweepPlan planFromArgs(const SweepArgs &args, bool print)
{
    const ExperimentConfig base = args.config.build();
    std::vector<SweepAxis> axes;
    const std::vector<std::string> norms = args.config.normList();
    if (norms.size() > 1) {
        SweepAxis axis {"model.norm", {}};
        for (const std::string &n : norms)
            axis.values.push_back(n);
        axes.push_back(axis);
    }
    for (const std::string &entry : args.grid)
        axes.push_back(parseGridEntry(entry));
    if (args.seeds > 0)
        axes.push_back(seedAxis(base.seed, args.seeds));
    if (axes.empty())
        throw ConfigError(
                "sweep: nothing to sweep; give --grid KEY=V1,V2, a list for --norm or --seeds N");

    SweepOptions options;
    options.namePrefix = args.name.empty() ? (base.name.empty() ? "sweep" : base.name) : args.name;
    options.names = SweepOptions::Names::KeyValues;
    options.layerNorm = SweepOptions::LayerNorm::AsConfigured;
    const SweepPlan plan = planSweep(base, axes, options);

    // A sweep over normalizations usually compares them as the reference study did, whose
    // LayerNorm has no learnable scale and shift (48,072 parameters in s8): point that out.
    for (const PlannedRun &p : plan.runs) {
        if (!print || p.config.model.norm != NormKind::Layer || !p.config.model.affine)
            continue;
        std::fprintf(stderr,
                     "note: LayerNorm runs keep a learnable scale and shift per position "
                     "(%lld parameters); the reference study's LayerNorm has none (add "
                     "--no-affine)\n",
                     static_cast<long long>(summarize(buildModelSpec(p.config.model)).totalParams));
        break;
    }
    return plan;
}

// Queues the grid's runs; returns the sweep id.
std::string queueSweep(RunStore &store, const SweepPlan &plan, const SweepArgs &args, bool print)
{
    std::vector<NewRun> runs;
    for (const PlannedRun &p : plan.runs)
        runs.push_back({p.name, toJson(p.config).dump(), p.config.seed, args.tags, plan.id, {}});
    const std::vector<std::int64_t> ids = store.createRuns(runs);
    if (print) {
        for (std::size_t i = 0; i < ids.size(); ++i)
            std::printf("queued run %lld: %s\n", static_cast<long long>(ids[i]),
                        plan.runs[i].name.c_str());
        std::printf("%zu runs queued as %s\n", plan.runs.size(), plan.id.c_str());
    }
    return plan.id;
}

std::string lastSweep(const RunStore &store)
{
    std::string last;
    for (const RunRecord &r : store.runs())
        if (!r.sweep.empty())
            last = r.sweep;
    if (last.empty())
        throw StoreError("no sweep in the store " + store.dir());
    return last;
}

} // namespace

namespace {
int trainRank0(const TrainArgs &args, const std::shared_ptr<Collectives> &ranks, bool &handedOver);
int resumeRank0(const ResumeArgs &args, const std::shared_ptr<Collectives> &ranks,
                bool &handedOver);
} // namespace

void StoreOption::addTo(CLI::App &command)
{
    command.add_option(
            "--store", dir,
            "Run store folder (default $NORMLAB_STORE, else ~/.local/share/normlab/store)");
}

std::string StoreOption::resolved() const
{
    return dir.empty() ? RunStore::defaultDir() : dir;
}

RunStore::Options StoreOption::forReading() const
{
    RunStore::Options options;
    const char *env = std::getenv("NORMLAB_STORE");
    options.existing = !dir.empty() || (env && *env);
    return options;
}

int train(const TrainArgs &args)
{
    return onEveryRank(args.dist, [&](const std::shared_ptr<Collectives> &ranks, bool &handedOver) {
        return trainRank0(args, ranks, handedOver);
    });
}

namespace {
int trainRank0(const TrainArgs &args, const std::shared_ptr<Collectives> &ranks, bool &handedOver)
{
    const ExperimentConfig config = args.config.build();
    for (const std::string &advice : adviceFor(config))
        std::fprintf(stderr, "note: %s\n", advice.c_str());
    if (!args.saveConfig.empty())
        saveConfigFile(config, args.saveConfig);
    InterruptWatcher watcher; // from here: a signal while the data loads stops cleanly too
    if (!args.out.empty()) {
        // Checked before the run is recorded: a bad folder is bad input, not a failed run.
        std::error_code error;
        fs::create_directories(args.out, error);
        if (!fs::is_directory(args.out))
            throw InputError("--out " + args.out + ": " +
                             (fs::exists(args.out) ? std::string("is a file, not a folder")
                                                   : "cannot be created: " + error.message()));
    }
    RunStore store(args.store.resolved());
    const std::string name =
            args.name.empty() ? (config.name.empty() ? "custom" : config.name) : args.name;
    const std::int64_t id =
            store.createRun({name, toJson(config).dump(), config.seed, args.tags, {}, args.out});
    std::optional<RunSession> session;
    handedOver = true;
    try {
        session.emplace(store, id, nullptr, DataParallel {ranks, args.dist.syncBatchNorm});
    } catch (const InputError &e) {
        throw InputError(withResumeHint(e.what(), id));
    }
    return exitCodeFor(trainSession(*session, store, {args.json, args.out}, watcher).status);
}

} // namespace

int resume(const ResumeArgs &args)
{
    return onEveryRank(args.dist, [&](const std::shared_ptr<Collectives> &ranks, bool &handedOver) {
        return resumeRank0(args, ranks, handedOver);
    });
}

namespace {
int resumeRank0(const ResumeArgs &args, const std::shared_ptr<Collectives> &ranks, bool &handedOver)
{
    InterruptWatcher watcher;
    RunStore store(args.store.resolved(), args.store.forReading());
    const RunRecord record = store.run(args.run);
    // A queued run of a sweep waits for its turn; one whose start could not be recorded (a full
    // disk) starts here.
    if (record.state == RunState::Queued && !record.sweep.empty())
        throw StoreError("run " + std::to_string(args.run) + " is queued in sweep " + record.sweep +
                         "; `normlab-cli sweep --resume " + record.sweep + "` runs it");
    // The batch is each rank's: another number of ranks trains at another global batch.
    const auto before =
            json::parse(record.parallel.empty() ? "{}" : record.parallel, nullptr, false);
    const int worldBefore = before.is_object() ? before.value("world_size", 1) : 1;
    const int worldNow = ranks ? ranks->worldSize() : 1;
    if (worldBefore != worldNow && !args.json)
        std::fprintf(stderr,
                     "note: run %lld was trained on %d rank%s and goes on on %d: its global batch "
                     "changes from %d to %d images (normlab-cli launch --nproc %d -- resume %lld "
                     "keeps it)\n",
                     static_cast<long long>(args.run), worldBefore, worldBefore == 1 ? "" : "s",
                     worldNow, worldBefore * recordedConfig(record).batchSize,
                     worldNow * recordedConfig(record).batchSize, worldBefore,
                     static_cast<long long>(args.run));
    // Synchronised BatchNorm goes on as the run began, unless asked for now.
    const bool syncBatchNorm =
            args.dist.syncBatchNorm || (before.is_object() && before.value("sync_bn", false));
    handedOver = true;
    RunSession session(store, args.run, nullptr, DataParallel {ranks, syncBatchNorm});
    return exitCodeFor(
            trainSession(session, store, {args.json, record.artifactDir}, watcher).status);
}

} // namespace

int sweep(const SweepArgs &args)
{
    if (args.slurm.enabled) {
        if (!args.resume.empty())
            throw InputError("sweep --slurm --resume: a cluster sweep resumes by itself (Slurm "
                             "requeues its tasks); submit its script again to rerun what failed");
        const SweepPlan plan = planFromArgs(args, !args.json);
        if (args.dryRun) {
            for (const PlannedRun &p : plan.runs)
                std::printf("would submit: %s\n", p.name.c_str());
            return Success;
        }
        return submitSlurmSweep(plan, args.tags, args.slurm);
    }
    InterruptWatcher watcher;
    // Planned before the store is opened: a bad grid leaves no store behind, a dry run changes
    // nothing, and resuming needs a store that is there.
    std::optional<SweepPlan> plan;
    if (args.resume.empty()) {
        plan = planFromArgs(args, !args.json);
        if (args.dryRun) {
            for (const PlannedRun &p : plan->runs)
                std::printf("would queue: %s\n", p.name.c_str());
            return Success;
        }
    }
    RunStore store(args.store.resolved(), plan ? RunStore::Options {} : args.store.forReading());
    std::string id;
    if (plan) {
        id = queueSweep(store, *plan, args, !args.json);
    } else {
        id = args.resume == "last" ? lastSweep(store) : args.resume;
        if (store.runs({std::nullopt, {}, {}, id}).empty())
            throw StoreError("no sweep \"" + id + "\" in the store " + store.dir());
    }

    // Runs of the sweep that were stopped or died go first, then the queued ones in order.
    std::vector<std::int64_t> order;
    for (const RunRecord &r : store.runs({std::nullopt, {}, {}, id}))
        if (r.state == RunState::Stopped || r.state == RunState::Interrupted)
            order.push_back(r.id);
    for (const std::int64_t queuedId : store.queued(id))
        order.push_back(queuedId);
    if (order.empty()) {
        std::printf("sweep %s: nothing left to run\n", id.c_str());
        return Success;
    }

    std::shared_ptr<const DatasetPair> data;
    std::string dataKey;
    int worst = Success;
    for (std::size_t i = 0; i < order.size(); ++i) {
        const RunRecord record = store.run(order[i]);
        const std::string key = toJson(recordedConfig(record)).at("data").dump();
        if (key != dataKey)
            data.reset(); // load the next dataset only once the last one is released
        if (!args.json)
            std::printf("\n== sweep %s: run %zu of %zu ==\n", id.c_str(), i + 1, order.size());
        RunSession session(store, order[i], data);
        data = session.sharedData();
        dataKey = key;
        const RunResult result =
                trainSession(session, store, {args.json, record.artifactDir}, watcher);
        if (result.status == RunStatus::Stopped) {
            if (!args.json)
                std::printf("sweep %s stopped; %zu runs left. Continue with: normlab-cli sweep "
                            "--resume %s\n",
                            id.c_str(), order.size() - i, id.c_str());
            return InterruptWatcher::exitCode();
        }
        worst = std::max(worst, exitCodeFor(result.status));
    }
    return worst;
}

} // namespace normlab::cli
