#include "interrupt_watcher.h"

#include <chrono>
#include <csignal>

namespace normlab::cli {

namespace {

// Ctrl-C, and what a desktop logout, systemd and Slurm send: all ask for the same clean stop.
constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP};

std::atomic<bool> g_pending {false};
std::atomic<bool> g_seen {false};
std::atomic<int> g_signal {0};

void onSignal(int signal)
{
    g_pending = true;
    g_seen = true;
    g_signal = signal;
    std::signal(signal, SIG_DFL); // the same signal again ends the process at once
}

void setHandlers(void (*handler)(int))
{
    for (const int s : kStopSignals)
        std::signal(s, handler);
}

} // namespace

InterruptWatcher::InterruptWatcher(std::function<void()> onInterrupt)
    : m_onInterrupt(std::move(onInterrupt))
{
    g_pending = false;
    g_seen = false;
    g_signal = 0;
    setHandlers(&onSignal);
    // A signal handler may only set a flag; this thread turns the flag into the callback.
    m_thread = std::thread([this] {
        while (!m_done) {
            if (g_pending.exchange(false)) {
                std::lock_guard lock(m_mutex);
                if (m_onInterrupt)
                    m_onInterrupt();
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    });
}

InterruptWatcher::~InterruptWatcher()
{
    m_done = true;
    m_thread.join();
    setHandlers(SIG_DFL);
}

void InterruptWatcher::setOnInterrupt(std::function<void()> onInterrupt)
{
    std::lock_guard lock(m_mutex);
    m_onInterrupt = std::move(onInterrupt);
    if (g_seen && m_onInterrupt)
        m_onInterrupt();
}

bool InterruptWatcher::interrupted()
{
    return g_seen.load();
}

int InterruptWatcher::signalNumber()
{
    return g_signal.load();
}

int InterruptWatcher::exitCode()
{
    const int signal = g_signal.load();
    return 128 + (signal ? signal : SIGINT);
}

} // namespace normlab::cli
