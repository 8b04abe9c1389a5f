#include "interrupt_watcher.h"

#include <chrono>
#include <csignal>

namespace normlab::cli {

namespace {

std::atomic<bool> g_pending {false};
std::atomic<bool> g_seen {false};

void onSignal(int)
{
    g_pending = true;
    g_seen = true;
    std::signal(SIGINT, SIG_DFL); // a second Ctrl-C ends the process at once
}

} // namespace

InterruptWatcher::InterruptWatcher(std::function<void()> onInterrupt)
{
    g_pending = false;
    g_seen = false;
    std::signal(SIGINT, &onSignal);
    // A signal handler may only set a flag; this thread turns the flag into the callback.
    m_thread = std::thread([this, onInterrupt = std::move(onInterrupt)] {
        while (!m_done) {
            if (g_pending.exchange(false) && onInterrupt)
                onInterrupt();
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    });
}

InterruptWatcher::~InterruptWatcher()
{
    m_done = true;
    m_thread.join();
    std::signal(SIGINT, SIG_DFL);
}

bool InterruptWatcher::interrupted()
{
    return g_seen.load();
}

} // namespace normlab::cli
