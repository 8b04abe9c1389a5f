#include "process_group.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <optional>

namespace normlab {

namespace {

std::optional<std::string> environment(const char *name)
{
    const char *value = std::getenv(name);
    if (!value || !*value)
        return std::nullopt;
    return std::string(value);
}

int integerFromEnvironment(const char *name, int fallback, int lo, int hi)
{
    const std::optional<std::string> text = environment(name);
    if (!text)
        return fallback;
    char *end = nullptr;
    errno = 0;
    const long value = std::strtol(text->c_str(), &end, 10);
    if (errno != 0 || end == text->c_str() || *end != '\0' || value < lo || value > hi)
        throw DistributedError(std::string(name) + " is '" + *text + "'; expected a whole number " +
                               std::to_string(lo) + " to " + std::to_string(hi));
    return static_cast<int>(value);
}

// c10's errors carry a C++ backtrace in what(): a person needs the first line.
std::string reason(const std::exception &e)
{
    if (const auto *c10 = dynamic_cast<const c10::Error *>(&e))
        return c10->what_without_backtrace();
    return e.what();
}

// This host's address on the route to the master: what the kernel would send from (a UDP
// "connect" sends nothing). On the master itself that is the master's address; on another host
// its own, never the host name's 127.0.1.1. Falls back to the master's address.
std::string localAddressTowards(const std::string &master, int port)
{
    addrinfo hints {};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo *found = nullptr;
    if (::getaddrinfo(master.c_str(), std::to_string(port).c_str(), &hints, &found) != 0)
        return master;
    std::string local = master;
    for (addrinfo *a = found; a; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, SOCK_DGRAM, 0);
        if (fd < 0)
            continue;
        sockaddr_storage self {};
        socklen_t length = sizeof self;
        char text[INET6_ADDRSTRLEN] = {};
        const bool ok = ::connect(fd, a->ai_addr, a->ai_addrlen) == 0 &&
                        ::getsockname(fd, reinterpret_cast<sockaddr *>(&self), &length) == 0 &&
                        ::getnameinfo(reinterpret_cast<sockaddr *>(&self), length, text,
                                      sizeof text, nullptr, 0, NI_NUMERICHOST) == 0;
        ::close(fd);
        if (ok) {
            local = text;
            break;
        }
    }
    ::freeaddrinfo(found);
    return local;
}

} // namespace

DistributedOptions distributedOptionsFromEnvironment(DistributedOptions o)
{
    // Slurm's first, so that torchrun's variables win inside an allocation that sets both.
    o.rank = integerFromEnvironment("SLURM_PROCID", o.rank, 0, INT_MAX);
    o.worldSize = integerFromEnvironment("SLURM_NTASKS", o.worldSize, 1, INT_MAX);
    o.rank = integerFromEnvironment("RANK", o.rank, 0, INT_MAX);
    o.worldSize = integerFromEnvironment("WORLD_SIZE", o.worldSize, 1, INT_MAX);
    o.masterAddr = environment("MASTER_ADDR").value_or(o.masterAddr);
    o.masterPort = integerFromEnvironment("MASTER_PORT", o.masterPort, 1, 65535);
    o.iface = environment("GLOO_SOCKET_IFNAME").value_or(o.iface);
    return o;
}

void validate(const DistributedOptions &o)
{
    if (o.worldSize < 1)
        throw DistributedError("world size is " + std::to_string(o.worldSize) +
                               "; it must be at least 1");
    if (o.rank < 0 || o.rank >= o.worldSize)
        throw DistributedError("rank " + std::to_string(o.rank) + " is outside a world of " +
                               std::to_string(o.worldSize) + " (ranks 0 to " +
                               std::to_string(o.worldSize - 1) + ")");
    if (o.masterPort < 1 || o.masterPort > 65535)
        throw DistributedError("master port " + std::to_string(o.masterPort) +
                               " is outside 1 to 65535");
    if (o.masterAddr.empty())
        throw DistributedError("no master address: give --master HOST:PORT or MASTER_ADDR");
}

struct ProcessGroup::Private
{
    DistributedOptions options;
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<c10d::ProcessGroupGloo> group;

    // A collective's failure (a peer gone, the timeout) as an error that says where it was.
    void wait(const c10::intrusive_ptr<c10d::Work> &work, const char *what) const
    {
        try {
            work->wait(options.timeout);
        } catch (const std::exception &e) {
            throw DistributedError(std::string(what) + " on rank " + std::to_string(options.rank) +
                                   " of " + std::to_string(options.worldSize) +
                                   " failed (a peer stopped or is unreachable): " + reason(e));
        }
    }
};

ProcessGroup::ProcessGroup(const DistributedOptions &options) : d(std::make_unique<Private>())
{
    validate(options);
    // Gloo's TCP transport writes to its peers with writev(), which raises SIGPIPE when the peer
    // has died: the process ended by signal 13 before the collective could fail with its message
    // (test_cli_distributed's rank 0, once). PyTorch never meets it, because Python ignores
    // SIGPIPE from its start; ignored here too, the write fails with EPIPE and `wait` names it.
    std::signal(SIGPIPE, SIG_IGN);
    d->options = options;
    try {
        c10d::TCPStoreOptions storeOptions;
        storeOptions.port = static_cast<std::uint16_t>(options.masterPort);
        storeOptions.isServer = options.rank == 0;
        storeOptions.numWorkers = static_cast<std::size_t>(options.worldSize);
        storeOptions.waitWorkers = true;
        storeOptions.timeout = options.timeout;
        auto tcp = c10::make_intrusive<c10d::TCPStore>(options.masterAddr, storeOptions);
        d->store = c10::make_intrusive<c10d::PrefixStore>("normlab", tcp);
        auto groupOptions = c10d::ProcessGroupGloo::Options::create(options.timeout);
        groupOptions->devices.push_back(
                options.iface.empty()
                        ? c10d::ProcessGroupGloo::createDeviceForHostname(
                                  localAddressTowards(options.masterAddr, options.masterPort))
                        : c10d::ProcessGroupGloo::createDeviceForInterface(options.iface));
        d->group = c10::make_intrusive<c10d::ProcessGroupGloo>(d->store, options.rank,
                                                               options.worldSize, groupOptions);
    } catch (const std::exception &e) {
        throw DistributedError(
                "rank " + std::to_string(options.rank) + " could not meet the " +
                std::to_string(options.worldSize) + " ranks at " + options.masterAddr + ":" +
                std::to_string(options.masterPort) + " (interface '" +
                (options.iface.empty() ? "to " + options.masterAddr : options.iface) +
                "') within " + std::to_string(options.timeout.count() / 1000) + " s: " + reason(e));
    }
}

ProcessGroup::~ProcessGroup() = default;

int ProcessGroup::rank() const
{
    return d->options.rank;
}

int ProcessGroup::worldSize() const
{
    return d->options.worldSize;
}

void ProcessGroup::broadcast(std::vector<torch::Tensor> &tensors, int root)
{
    c10d::BroadcastOptions o;
    o.rootRank = root;
    o.timeout = d->options.timeout;
    d->wait(d->group->broadcast(tensors, o), "broadcast");
}

void ProcessGroup::allReduceSum(std::vector<torch::Tensor> &tensors)
{
    c10d::AllreduceOptions o;
    o.reduceOp = c10d::ReduceOp::SUM;
    o.timeout = d->options.timeout;
    d->wait(d->group->allreduce(tensors, o), "all-reduce");
}

void ProcessGroup::barrier()
{
    c10d::BarrierOptions o;
    o.timeout = d->options.timeout;
    d->wait(d->group->barrier(o), "barrier");
}

} // namespace normlab
