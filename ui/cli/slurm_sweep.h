// A sweep on a Slurm cluster (`sweep --slurm`): the planned runs written to a shared folder with
// an `sbatch --array` script whose every task runs one point (`normlab-cli sweep-task`) into a
// store of its own there (SQLite must not be shared over NFS); `store merge` takes them in.
//
//     DIR/sweep.json      the sweep's id, tags and runs (name and config)
//     DIR/sweep.sbatch    the array job; submitted unless --no-submit
//     DIR/tasks/<i>/      task i's store (its run, checkpoints)
//     DIR/logs/<i>.out    task i's output
#pragma once

#include "config.h"
#include "sweep_plan.h"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace normlab::cli {

struct SlurmArgs
{
    bool enabled = false;
    std::string dir; // empty: ./normlab-<sweep id>
    std::string partition;
    std::string time; // Slurm's --time, e.g. 2:00:00
    int maxParallel = 0; // 0: as many as Slurm gives
    int cpus = 2; // --cpus-per-task
    int ranksPerRun = 1; // > 1: each run data-parallel over this many Slurm tasks (srun)
    bool noSubmit = false;
    std::string sbatch = "sbatch";

    void addTo(CLI::App &command);
};

// Writes the sweep's folder and, unless told not to, submits it; prints what it did.
int submitSlurmSweep(const SweepPlan &plan, const std::vector<std::string> &tags,
                     const SlurmArgs &args);

// The script as it is written (exposed for its test).
std::string slurmScript(const std::string &dir, const std::string &sweepId, int runs,
                        const SlurmArgs &args, const std::string &normlabCli);

// One point of a sweep folder written by submitSlurmSweep.
struct SweepPoint
{
    std::string sweepId;
    std::string name;
    ExperimentConfig config;
    std::vector<std::string> tags;
    int count = 0; // points in the sweep
};
// Throws InputError naming the file, the index or the key that is wrong.
SweepPoint readSweepPoint(const std::string &dir, int index);

} // namespace normlab::cli
