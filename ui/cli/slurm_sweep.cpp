#include "slurm_sweep.h"

#include "cli_app.h"
#include "config_json.h"
#include "errors.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;

namespace normlab::cli {

namespace {

// A word for bash, single-quoted.
std::string quoted(const std::string &word)
{
    std::string out = "'";
    for (char c : word)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

void writeText(const fs::path &path, const std::string &text)
{
    const fs::path tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << text;
        if (!out.flush())
            throw InputError(path.string() + ": cannot be written");
    }
    std::error_code error;
    fs::rename(tmp, path, error);
    if (error)
        throw InputError(path.string() + ": cannot be written: " + error.message());
}

std::string selfExecutable()
{
    std::error_code error;
    const fs::path self = fs::read_symlink("/proc/self/exe", error);
    return error ? std::string("normlab-cli") : self.string();
}

// Runs argv, returns (exit code, its standard output and error together); 127: not found.
std::pair<int, std::string> runCapturing(const std::vector<std::string> &args)
{
    int pipeFds[2];
    if (::pipe(pipeFds) != 0)
        throw InputError(std::string("cannot start ") + args[0] + ": " + std::strerror(errno));
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(pipeFds[1], STDOUT_FILENO);
        ::dup2(pipeFds[1], STDERR_FILENO);
        ::close(pipeFds[0]);
        ::close(pipeFds[1]);
        std::vector<char *> argv;
        for (const std::string &a : args)
            argv.push_back(const_cast<char *>(a.c_str()));
        argv.push_back(nullptr);
        ::execvp(argv[0], argv.data());
        std::_Exit(127);
    }
    ::close(pipeFds[1]);
    std::string output;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(pipeFds[0], buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
            output.append(buffer, static_cast<std::size_t>(n));
    ::close(pipeFds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) { }
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), output};
}

} // namespace

void SlurmArgs::addTo(CLI::App &command)
{
    command.add_flag("--slurm", enabled,
                     "Submit the sweep to Slurm as an array job, one task per run, each recording "
                     "into a store of its own in --slurm-dir (merge them with store merge)");
    command.add_option("--slurm-dir", dir,
                       "The sweep's folder, shared with the cluster's nodes (default "
                       "./normlab-SWEEP_ID)");
    command.add_option("--partition", partition, "Slurm partition");
    command.add_option("--time", time, "Slurm time limit per run, e.g. 2:00:00");
    command.add_option("--max-parallel", maxParallel, "At most K runs at once (0: no limit)")
            ->check(CLI::Range(0, 100000));
    command.add_option("--cpus-per-task", cpus, "CPU cores per run, or per rank (default 2)")
            ->check(CLI::Range(1, 1024));
    command.add_option("--ranks-per-run", ranksPerRun,
                       "Train each run data-parallel over N Slurm tasks (srun; default 1)")
            ->check(CLI::Range(1, 4096));
    command.add_flag("--no-submit", noSubmit, "Write the folder and the script, do not submit");
}

std::string slurmScript(const std::string &dir, const std::string &sweepId, int runs,
                        const SlurmArgs &args, const std::string &normlabCli)
{
    std::ostringstream s;
    s << "#!/bin/bash\n"
      << "# NormLab sweep " << sweepId << ": " << runs << " runs, one array task each.\n"
      << "# Merge what they recorded with: normlab-cli store merge " << dir << "/tasks\n"
      << "#SBATCH --job-name=normlab-" << sweepId << "\n"
      << "#SBATCH --array=0-" << runs - 1;
    if (args.maxParallel > 0)
        s << "%" << args.maxParallel;
    s << "\n#SBATCH --ntasks=" << args.ranksPerRun << "\n"
      << "#SBATCH --cpus-per-task=" << args.cpus << "\n"
      << "#SBATCH --output=" << dir << "/logs/%a.out\n"
      << "#SBATCH --requeue\n";
    if (!args.partition.empty())
        s << "#SBATCH --partition=" << args.partition << "\n";
    if (!args.time.empty())
        s << "#SBATCH --time=" << args.time << "\n";
    // Slurm sends SIGTERM before it ends a task: the run stops cleanly and a requeued task
    // resumes it.
    if (args.ranksPerRun > 1) {
        // One run over the job's tasks: rank 0 on the job's first node serves the rendezvous,
        // on a port of the job's own (each array task is a job of its own). srun gives each
        // rank SLURM_PROCID and SLURM_NTASKS, which sweep-task reads as its rank and world.
        s << "export MASTER_ADDR=$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n 1)\n"
          << "export MASTER_PORT=$((20000 + SLURM_JOB_ID % 40000))\n"
          << "exec srun --kill-on-bad-exit=1 ";
    } else {
        s << "exec ";
    }
    s << quoted(normlabCli) << " sweep-task " << quoted(dir)
      << " --index \"$SLURM_ARRAY_TASK_ID\" --threads \"${SLURM_CPUS_PER_TASK:-" << args.cpus
      << "}\"\n";
    return s.str();
}

int submitSlurmSweep(const SweepPlan &plan, const std::vector<std::string> &tags,
                     const SlurmArgs &args)
{
    std::error_code error;
    const fs::path dir = fs::absolute(args.dir.empty() ? "normlab-" + plan.id : args.dir, error);
    if (fs::exists(dir / "sweep.json"))
        throw InputError("--slurm-dir " + dir.string() +
                         ": already holds a sweep; give another folder");
    fs::create_directories(dir / "logs", error);
    fs::create_directories(dir / "tasks", error);
    if (!fs::is_directory(dir / "tasks"))
        throw InputError("--slurm-dir " + dir.string() + ": cannot be created: " + error.message());
    json runs = json::array();
    for (const PlannedRun &p : plan.runs)
        runs.push_back({{"name", p.name}, {"config", toJson(p.config)}});
    writeText(dir / "sweep.json",
              json {{"id", plan.id}, {"tags", tags}, {"runs", runs}}.dump(2) + "\n");
    const fs::path script = dir / "sweep.sbatch";
    writeText(script, slurmScript(dir.string(), plan.id, static_cast<int>(plan.runs.size()), args,
                                  selfExecutable()));
    fs::permissions(script, fs::perms::owner_exec, fs::perm_options::add, error);

    std::printf("sweep %s: %zu runs written to %s\n", plan.id.c_str(), plan.runs.size(),
                dir.c_str());
    if (args.noSubmit) {
        std::printf("submit with: sbatch %s\n", script.c_str());
    } else {
        const auto [code, output] = runCapturing({args.sbatch, "--parsable", script.string()});
        if (code == 127)
            throw InputError("sweep --slurm: " + args.sbatch +
                             " was not found (no Slurm here?); the script is " + script.string());
        if (code != 0)
            throw InputError("sweep --slurm: sbatch refused " + script.string() + ": " + output);
        std::string job = output.substr(0, output.find_first_of(";\n"));
        std::printf("submitted as Slurm job %s\n", job.c_str());
    }
    std::printf("watch it with: normlab-cli store merge %s/tasks (again as runs finish)\n",
                dir.c_str());
    return Success;
}

SweepPoint readSweepPoint(const std::string &dir, int index)
{
    const std::string path = (fs::path(dir) / "sweep.json").string();
    const json sweep = readConfigJson(path);
    if (!sweep.is_object() || !sweep.value("runs", json()).is_array() ||
        !sweep.value("id", json()).is_string())
        throw InputError(path + ": not a NormLab sweep (expected an object with id and runs)");
    const json &runs = sweep.at("runs");
    if (index < 0 || static_cast<std::size_t>(index) >= runs.size())
        throw InputError("sweep-task --index " + std::to_string(index) + ": " + path + " has " +
                         std::to_string(runs.size()) + " runs (0 to " +
                         std::to_string(static_cast<long long>(runs.size()) - 1) + ")");
    const json &run = runs.at(static_cast<std::size_t>(index));
    if (!run.is_object() || !run.value("name", json()).is_string() ||
        !run.value("config", json()).is_object())
        throw InputError(path + ": run " + std::to_string(index) + " has no name or config");
    SweepPoint point;
    point.sweepId = sweep.at("id").get<std::string>();
    point.name = run.at("name").get<std::string>();
    point.config = recordedConfigFromJson(run.at("config"));
    point.count = static_cast<int>(runs.size());
    for (const json &t : sweep.value("tags", json::array()))
        if (t.is_string())
            point.tags.push_back(t.get<std::string>());
    return point;
}

} // namespace normlab::cli
