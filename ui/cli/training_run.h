// What every command that trains shares (train, resume, sweep, sweep-task): one claimed run
// trained to its end with its progress printed, the exit code of its outcome, and the split of a
// data-parallel run into rank 0, which records, and the other ranks, which follow it.
#pragma once

#include "collectives.h"
#include "distributed_commands.h"
#include "trainer.h"

#include <cstdint>
#include <exception>
#include <memory>
#include <string>

namespace normlab {
class RunSession;
class RunStore;
} // namespace normlab

namespace normlab::cli {

class InterruptWatcher;

struct TrainOutput
{
    bool json = false;
    std::string out; // also write config.json and metrics.jsonl here
};

// Trains one claimed run to its end, printing as it goes; Ctrl-C (through `watcher`) stops it
// after the current batch.
RunResult trainSession(RunSession &session, const RunStore &store, const TrainOutput &output,
                       InterruptWatcher &watcher);

int exitCodeFor(RunStatus status);

// A full disk, a vanished folder: what the run recorded stays, and it goes on from there.
std::string withResumeHint(const std::string &message, std::int64_t id);

// Tells the other ranks that rank 0 could not start the run, and why; never throws (the error at
// hand is what the person should see).
void tellRanksWhy(Collectives &ranks, const std::string &why);

// Runs a training command on every rank: joins the others when `dist` asks for several, follows
// rank 0 on the others, and runs `rank0(ranks, handedOver)` on rank 0 (`ranks` null in a single
// process). Until `rank0` sets handedOver (its run's session tells the other ranks of its own
// failures), an exception from it is sent to the other ranks before it goes on.
template<typename Rank0> int onEveryRank(const DistributedArgs &dist, Rank0 rank0)
{
    const std::shared_ptr<Collectives> ranks = dist.join();
    if (ranks && ranks->rank() != 0)
        return followRank(ranks);
    bool handedOver = false;
    try {
        return rank0(ranks, handedOver);
    } catch (const std::exception &e) {
        if (ranks && !handedOver)
            tellRanksWhy(*ranks, e.what());
        throw;
    }
}

} // namespace normlab::cli
