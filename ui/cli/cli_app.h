// normlab-cli: the command-line face of the engine. Exit codes: 0 success, 1 a run that diverged or
// failed, 2 bad input (the message names the file or field), 128 + the signal when
// stopped by one (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP; see InterruptWatcher::exitCode).
#pragma once

namespace normlab::cli {

enum ExitCode { Success = 0, RunFailed = 1, BadInput = 2, Interrupted = 130 };

int runCli(int argc, char **argv);

} // namespace normlab::cli
