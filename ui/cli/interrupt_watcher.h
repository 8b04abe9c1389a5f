// Ctrl-C for long commands: the first one asks the current trainer to stop cleanly (within one
// batch), a second one ends the process at once.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace normlab::cli {

class InterruptWatcher
{
public:
    // `onInterrupt` runs on the watcher's thread, never in the signal handler.
    explicit InterruptWatcher(std::function<void()> onInterrupt);
    ~InterruptWatcher();
    InterruptWatcher(const InterruptWatcher &) = delete;
    InterruptWatcher &operator=(const InterruptWatcher &) = delete;

    // Whether Ctrl-C was pressed since the watcher began.
    static bool interrupted();

private:
    std::atomic<bool> m_done {false};
    std::thread m_thread;
};

} // namespace normlab::cli
