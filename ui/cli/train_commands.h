// The commands that train: `train` (a new recorded run), `resume RUN` and `sweep` (a grid of runs
// queued in the store and trained one after another, or submitted to Slurm).
#pragma once

#include "config_options.h"
#include "distributed_commands.h"
#include "run_store.h"
#include "slurm_sweep.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace normlab::cli {

struct StoreOption
{
    std::string dir; // empty: RunStore::defaultDir()
    void addTo(CLI::App &command);
    std::string resolved() const;
    // For commands that read recorded runs: a folder named with --store or $NORMLAB_STORE must
    // hold a store (a typo must not become an empty one); the default store may not exist yet.
    RunStore::Options forReading() const;
};

struct TrainArgs
{
    ConfigOptions config;
    StoreOption store;
    std::string name;
    std::vector<std::string> tags;
    std::string out;
    std::string saveConfig;
    bool json = false;
    DistributedArgs dist;
};
int train(const TrainArgs &args);

struct ResumeArgs
{
    StoreOption store;
    std::int64_t run = 0;
    bool json = false;
    DistributedArgs dist;
};
int resume(const ResumeArgs &args);

struct SweepArgs
{
    ConfigOptions config;
    StoreOption store;
    std::vector<std::string> grid; // KEY=V1,V2,...
    int seeds = 0; // 0: only the config's seed
    std::string name;
    std::vector<std::string> tags;
    std::string resume; // a sweep id to continue, or "last"
    bool dryRun = false;
    bool json = false;
    SlurmArgs slurm;
};
int sweep(const SweepArgs &args);


} // namespace normlab::cli
