#include "sweep_task_command.h"

#include "cli_app.h"
#include "config_json.h"
#include "errors.h"
#include "interrupt_watcher.h"
#include "rank_session.h"
#include "run_session.h"
#include "run_store.h"
#include "slurm_sweep.h"
#include "training_run.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;

namespace normlab::cli {

namespace {

int taskIndex(const SweepTaskArgs &args)
{
    if (args.index >= 0)
        return args.index;
    const char *fromSlurm = std::getenv("SLURM_ARRAY_TASK_ID");
    char *end = nullptr;
    const long value = fromSlurm ? std::strtol(fromSlurm, &end, 10) : -1;
    if (!fromSlurm || *end != '\0' || value < 0 || value > 1'000'000)
        throw InputError("sweep-task: give --index, or run it as a Slurm array task "
                         "(SLURM_ARRAY_TASK_ID)");
    return static_cast<int>(value);
}

int sweepTaskRank0(const SweepTaskArgs &args, const std::shared_ptr<Collectives> &ranks,
                   bool &handedOver)
{
    const int index = taskIndex(args);
    SweepPoint point = readSweepPoint(args.dir, index);
    if (args.threads > 0)
        point.config.threads = args.threads;
    InterruptWatcher watcher;
    RunStore store((fs::path(args.dir) / "tasks" / std::to_string(index)).string());
    std::int64_t id = 0;
    const std::vector<RunRecord> recorded = store.runs();
    if (recorded.empty()) {
        id = store.createRun({point.name,
                              toJson(point.config).dump(),
                              point.config.seed,
                              point.tags,
                              point.sweepId,
                              {}});
    } else {
        id = recorded.front().id;
        if (recorded.front().state == RunState::Finished) {
            if (ranks) {
                handedOver = true;
                sendRankStart(*ranks, {{}, {}, false, {}, true});
            }
            std::printf("sweep %s, run %d of %d (%s): finished already\n", point.sweepId.c_str(),
                        index + 1, point.count, point.name.c_str());
            return Success;
        }
    }
    if (!args.json)
        std::printf("== sweep %s: run %d of %d, %s ==\n", point.sweepId.c_str(), index + 1,
                    point.count, point.name.c_str());
    handedOver = true;
    RunSession session(store, id, nullptr, DataParallel {ranks, args.dist.syncBatchNorm});
    return exitCodeFor(trainSession(session, store, {args.json, {}}, watcher).status);
}

} // namespace

int sweepTask(const SweepTaskArgs &args)
{
    return onEveryRank(args.dist, [&](const std::shared_ptr<Collectives> &ranks, bool &handedOver) {
        return sweepTaskRank0(args, ranks, handedOver);
    });
}

} // namespace normlab::cli
