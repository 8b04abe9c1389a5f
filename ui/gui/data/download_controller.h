// Downloads and unpacks CIFAR-10 on a thread of its own: progress for the view at most every
// 100 ms, cancel between two chunks, and the outcome as a signal. The partial file of a cancelled
// or broken download stays, so that the next start resumes it.
#pragma once

#include "download.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <cstdint>
#include <memory>

class QThread;
class QTimer;

namespace normlab::gui {

class DownloadController : public QObject
{
    Q_OBJECT

public:
    explicit DownloadController(QObject *parent = nullptr);
    ~DownloadController() override; // cancels and waits for the thread

    // Downloads `spec` into `dataDir` (if not there yet) and unpacks it.
    void start(const QString &dataDir, const DownloadSpec &spec);
    void cancel();
    bool running() const;

Q_SIGNALS:
    void progress(qint64 received, qint64 total);
    // The whole archive is here: it is being checked and unpacked.
    void unpacking();
    // ok: `result` is the folder with the binary files; else it says what went wrong.
    void finished(bool ok, const QString &result);

private:
    void onThreadFinished();

    QThread *m_thread = nullptr;
    QTimer *m_poll;
    // Written by the download thread, read by the timer.
    struct Shared
    {
        std::atomic<std::int64_t> received {0};
        std::atomic<std::int64_t> total {-1};
        std::atomic<bool> cancel {false};
        std::atomic<bool> unpacking {false};
        bool ok = false; // read after the thread finished
        QString result;
    };
    std::shared_ptr<Shared> m_shared;
    bool m_unpackingSignalled = false;
};

} // namespace normlab::gui
