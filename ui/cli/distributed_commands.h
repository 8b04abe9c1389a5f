// Data-parallel training from the command line (docs/distributed.md): the flags `train` and
// `resume` take to be one rank of a run, and `launch`, which starts N local ranks over loopback
// as torchrun does.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

namespace normlab {
class Collectives;
}

namespace normlab::cli {

struct DistributedArgs
{
    int worldSize = 0; // 0: WORLD_SIZE or SLURM_NTASKS, else 1
    int rank = -1; // -1: RANK or SLURM_PROCID, else 0
    std::string master; // HOST:PORT; empty: MASTER_ADDR and MASTER_PORT, else 127.0.0.1:29500
    std::string iface; // empty: GLOO_SOCKET_IFNAME, else the interface that reaches the master
    int timeoutSeconds = 60;
    bool syncBatchNorm = false;

    void addTo(CLI::App &command);
    // Joins the other ranks when the flags or the environment make a world of more than one
    // (returns once all have joined); null for a single process. Throws InputError for flags
    // out of range or a NormLab built without Gloo, DistributedError when the rendezvous fails.
    std::shared_ptr<Collectives> join() const;
};

// A rank other than 0: trains in step with rank 0 until its run ends; records nothing.
int followRank(std::shared_ptr<Collectives> ranks);

// A port on 127.0.0.1 that nobody listens on now, as torchrun picks one (another process may take
// it before it is used: then its user says the address is in use). Throws InputError.
int freeLoopbackPort();

struct LaunchArgs
{
    int processes = 2;
    int port = 0; // 0: a free one
    std::vector<std::string> command; // train ... or resume ...
};
int launch(const LaunchArgs &args);

} // namespace normlab::cli
