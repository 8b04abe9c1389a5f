// Ctrl-C (SIGINT), SIGTERM and SIGHUP for long commands: the first asks the current trainer to
// stop cleanly (within one batch; the run is recorded stopped and can be resumed), the same signal
// again ends the process at once.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

namespace normlab::cli {

class InterruptWatcher
{
public:
    // `onInterrupt` runs on the watcher's thread, never in the signal handler. Made at the start of
    // a command, so that a signal while the data loads is a clean stop too.
    explicit InterruptWatcher(std::function<void()> onInterrupt = {});
    ~InterruptWatcher();
    InterruptWatcher(const InterruptWatcher &) = delete;
    InterruptWatcher &operator=(const InterruptWatcher &) = delete;

    // What a stop signal now stops (the trainer of the run being trained); called at once when
    // one came already.
    void setOnInterrupt(std::function<void()> onInterrupt);

    // Whether a stop signal came since the watcher began, and which (0: none).
    static bool interrupted();
    static int signalNumber();
    // For a command stopped by a signal: 128 + its number (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP).
    static int exitCode();

private:
    std::mutex m_mutex;
    std::function<void()> m_onInterrupt;
    std::atomic<bool> m_done {false};
    std::thread m_thread;
};

} // namespace normlab::cli
