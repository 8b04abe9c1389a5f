// `sweep-task DIR`: one point of a cluster sweep (slurm_sweep.h), into the store DIR/tasks/<index>:
// started, or resumed when Slurm requeued the task, or nothing to do when it finished.
#pragma once

#include "distributed_commands.h"

#include <string>

namespace normlab::cli {

struct SweepTaskArgs
{
    std::string dir;
    int index = -1; // -1: $SLURM_ARRAY_TASK_ID
    int threads = 0; // 0: the config's
    bool json = false;
    DistributedArgs dist; // a run over several ranks: srun's SLURM_PROCID and SLURM_NTASKS
};
int sweepTask(const SweepTaskArgs &args);

} // namespace normlab::cli
