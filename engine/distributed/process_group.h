// A group of training processes, on torch's own c10d: a TCPStore for the rendezvous (rank 0 is
// its server) and ProcessGroupGloo for the collectives (docs/distributed.md). The c10d headers
// stay in process_group.cpp: they are heavy and need Gloo's.
//
// Every collective waits at most the options' timeout: a peer that died becomes a
// DistributedError at once (its sockets close), one that hangs after the timeout; never a hang.
#pragma once

#include "errors.h"

#include <torch/types.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace normlab {

// A rank lost or never reached, a collective timed out: the computation failed (a run records it
// failed, the command line exits 1), the message says which peer and why.
class DistributedError : public ComputeError
{
public:
    using ComputeError::ComputeError;
};

struct DistributedOptions
{
    int rank = 0;
    int worldSize = 1;
    std::string masterAddr = "127.0.0.1";
    int masterPort = 29500;
    // The network interface Gloo uses ("lo", "eth0"); empty: the one that reaches masterAddr.
    // Never the hostname, which Debian maps to 127.0.1.1.
    std::string iface;
    std::chrono::milliseconds timeout {60'000};
};

// `defaults` with what the environment says, as torchrun and Slurm set it: RANK, WORLD_SIZE,
// MASTER_ADDR, MASTER_PORT, or SLURM_PROCID and SLURM_NTASKS; GLOO_SOCKET_IFNAME for the
// interface. Throws DistributedError naming a variable that is not a number in range.
DistributedOptions distributedOptionsFromEnvironment(DistributedOptions defaults);

// Throws DistributedError naming what is out of range (rank outside the world, port 0).
void validate(const DistributedOptions &options);

class ProcessGroup
{
public:
    // Joins the group: returns once every rank has (or throws DistributedError after the
    // timeout, naming the master it waited for).
    explicit ProcessGroup(const DistributedOptions &options);
    ~ProcessGroup();
    ProcessGroup(const ProcessGroup &) = delete;
    ProcessGroup &operator=(const ProcessGroup &) = delete;

    int rank() const;
    int worldSize() const;

    // In place, on every rank: root's tensors.
    void broadcast(std::vector<torch::Tensor> &tensors, int root = 0);
    // In place, on every rank: the elementwise sum over the ranks.
    void allReduceSum(std::vector<torch::Tensor> &tensors);
    void barrier();

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace normlab
