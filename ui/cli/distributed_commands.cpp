#include "distributed_commands.h"

#include "cli_app.h"
#include "errors.h"
#include "interrupt_watcher.h"
#include "rank_session.h"

#ifdef NORMLAB_HAVE_GLOO
#include "gloo_collectives.h"
#endif

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace normlab::cli {

namespace {

// The launcher's children, for the signal handler to pass a stop on to (kill() is
// async-signal-safe; the handler touches nothing else).
constexpr int kMaxProcesses = 64;
pid_t g_children[kMaxProcesses];
std::atomic<int> g_childCount {0};

void forwardSignal(int signal)
{
    const int n = g_childCount.load();
    for (int i = 0; i < n; ++i)
        if (g_children[i] > 0)
            ::kill(g_children[i], signal);
}

int exitCodeOf(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return RunFailed;
}

} // namespace

int freeLoopbackPort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        throw InputError(std::string("launch: cannot open a socket: ") + std::strerror(errno));
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) == 0)
        port = ntohs(address.sin_port);
    ::close(fd);
    if (port == 0)
        throw InputError("launch: found no free port on 127.0.0.1; give --port");
    return port;
}

void DistributedArgs::addTo(CLI::App &command)
{
    command.add_option(
                   "--world-size", worldSize,
                   "Ranks of a data-parallel run (default $WORLD_SIZE or $SLURM_NTASKS, else 1)")
            ->check(CLI::Range(1, 4096));
    command.add_option("--rank", rank, "This process's rank (default $RANK or $SLURM_PROCID)")
            ->check(CLI::Range(0, 4095));
    command.add_option("--master", master,
                       "Rank 0's HOST:PORT (default $MASTER_ADDR:$MASTER_PORT, else "
                       "127.0.0.1:29500)");
    command.add_option("--iface", iface,
                       "Network interface for the collectives, e.g. eth0 (default "
                       "$GLOO_SOCKET_IFNAME, else the one that reaches the master)");
    command.add_option("--dist-timeout", timeoutSeconds,
                       "Seconds a rank waits for the others before it fails (default 60)")
            ->check(CLI::Range(1, 86400));
    command.add_flag("--sync-bn", syncBatchNorm,
                     "BatchNorm over the global batch (statistics summed over the ranks)");
}

std::shared_ptr<Collectives> DistributedArgs::join() const
{
#ifdef NORMLAB_HAVE_GLOO
    DistributedOptions o;
    try {
        o = distributedOptionsFromEnvironment(o);
    } catch (const DistributedError &e) {
        throw InputError(e.what());
    }
    if (worldSize > 0)
        o.worldSize = worldSize;
    if (rank >= 0)
        o.rank = rank;
    if (!master.empty()) {
        const std::size_t colon = master.rfind(':');
        const std::string port = colon == std::string::npos ? "" : master.substr(colon + 1);
        char *end = nullptr;
        const long value = port.empty() ? 0 : std::strtol(port.c_str(), &end, 10);
        if (colon == 0 || port.empty() || *end != '\0' || value < 1 || value > 65535)
            throw InputError("--master " + master + ": expected HOST:PORT, the port 1 to 65535");
        o.masterAddr = master.substr(0, colon);
        o.masterPort = static_cast<int>(value);
    }
    if (!iface.empty())
        o.iface = iface;
    o.timeout = std::chrono::seconds(timeoutSeconds);
    if (o.worldSize <= 1) {
        if (o.rank > 0)
            throw InputError("--rank " + std::to_string(o.rank) + " needs --world-size above it");
        return nullptr;
    }
    try {
        validate(o);
    } catch (const DistributedError &e) {
        throw InputError(e.what());
    }
    return std::make_shared<GlooCollectives>(o);
#else
    if (worldSize > 1)
        throw InputError("--world-size: this NormLab was built without Gloo (libgloo-dev), so it "
                         "trains in one process only");
    return nullptr;
#endif
}

int followRank(std::shared_ptr<Collectives> ranks)
{
    const int rank = ranks->rank();
    try {
        InterruptWatcher watcher;
        FollowerSession session({std::move(ranks), false});
        watcher.setOnInterrupt([&session] { session.trainer().requestStop(); });
        const RunResult result = session.run();
        watcher.setOnInterrupt({});
        return result.status == RunStatus::Finished || result.status == RunStatus::Stopped
                       ? (result.status == RunStatus::Stopped && InterruptWatcher::interrupted()
                                  ? InterruptWatcher::exitCode()
                                  : Success)
                       : RunFailed;
    } catch (const NothingToTrain &) {
        return Success;
    } catch (const InputError &e) {
        std::fprintf(stderr, "normlab-cli rank %d: %s\n", rank, e.what());
        return BadInput;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "normlab-cli rank %d: %s\n", rank, e.what());
        return RunFailed;
    }
}

int launch(const LaunchArgs &args)
{
    if (args.processes < 1 || args.processes > kMaxProcesses)
        throw InputError("launch --nproc " + std::to_string(args.processes) + ": expected 1 to " +
                         std::to_string(kMaxProcesses));
    if (args.command.empty() || (args.command[0] != "train" && args.command[0] != "resume"))
        throw InputError("launch: give the command to run after --, train or resume (for "
                         "example: normlab-cli launch --nproc 2 -- train --preset s8-gn)");
    for (const std::string &word : args.command)
        if (word == "--world-size" || word == "--rank" || word == "--master")
            throw InputError("launch: " + word + " is launch's to set; leave it out");
    const int port = args.port > 0 ? args.port : freeLoopbackPort();
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const std::string threads =
            std::to_string(std::max(1u, cores / static_cast<unsigned>(args.processes)));

    std::vector<std::string> argvStrings {"normlab-cli"};
    argvStrings.insert(argvStrings.end(), args.command.begin(), args.command.end());
    std::vector<char *> argv;
    for (std::string &s : argvStrings)
        argv.push_back(s.data());
    argv.push_back(nullptr);

    struct sigaction forward
    {
    };
    forward.sa_handler = forwardSignal;
    sigemptyset(&forward.sa_mask);
    struct sigaction previous[3];
    const int signals[3] = {SIGINT, SIGTERM, SIGHUP};
    for (int i = 0; i < 3; ++i)
        ::sigaction(signals[i], &forward, &previous[i]);

    std::vector<pid_t> pids;
    for (int r = 0; r < args.processes; ++r) {
        const pid_t pid = ::fork();
        if (pid < 0)
            throw InputError(std::string("launch: cannot start a rank: ") + std::strerror(errno));
        if (pid == 0) {
            // Its own process group, so that a Ctrl-C reaches it once, through the launcher; and
            // it ends with the launcher, as torchrun's ranks do.
            ::setpgid(0, 0);
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);
            ::setenv("RANK", std::to_string(r).c_str(), 1);
            ::setenv("LOCAL_RANK", std::to_string(r).c_str(), 1);
            ::setenv("WORLD_SIZE", std::to_string(args.processes).c_str(), 1);
            ::setenv("MASTER_ADDR", "127.0.0.1", 1);
            ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
            ::setenv("GLOO_SOCKET_IFNAME", "lo", 1);
            ::setenv("OMP_NUM_THREADS", threads.c_str(), 0); // the cores shared between ranks
            ::execv("/proc/self/exe", argv.data());
            std::fprintf(stderr, "normlab-cli launch: cannot run rank %d: %s\n", r,
                         std::strerror(errno));
            std::_Exit(127);
        }
        pids.push_back(pid);
        g_children[r] = pid;
        g_childCount = r + 1;
    }

    // Every rank's exit; a rank that fails makes the others fail within their timeout, but one
    // still waiting long after that is ended.
    std::vector<int> codes(pids.size(), -1);
    std::size_t running = pids.size();
    std::optional<std::chrono::steady_clock::time_point> firstFailure;
    bool killed = false;
    while (running > 0) {
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid > 0) {
            const auto it = std::find(pids.begin(), pids.end(), pid);
            if (it != pids.end()) {
                const auto r = static_cast<std::size_t>(it - pids.begin());
                codes[r] = exitCodeOf(status);
                g_children[r] = 0;
                --running;
                if (codes[r] != Success && !firstFailure)
                    firstFailure = std::chrono::steady_clock::now();
            }
            continue;
        }
        if (pid < 0 && errno != EINTR)
            break;
        if (firstFailure && !killed &&
            std::chrono::steady_clock::now() - *firstFailure > std::chrono::seconds(90)) {
            forwardSignal(SIGKILL);
            killed = true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    g_childCount = 0;
    for (int i = 0; i < 3; ++i)
        ::sigaction(signals[i], &previous[i], nullptr);
    if (codes[0] != Success)
        return codes[0];
    for (int code : codes)
        if (code != Success)
            return code;
    return Success;
}

} // namespace normlab::cli
