#include "download_controller.h"

#include "errors.h"

#include <QThread>
#include <QTimer>

#include <filesystem>

namespace normlab::gui {

namespace {
constexpr int kProgressIntervalMs = 100;
}

DownloadController::DownloadController(QObject *parent) : QObject(parent), m_poll(new QTimer(this))
{
    m_poll->setInterval(kProgressIntervalMs);
    connect(m_poll, &QTimer::timeout, this, [this] {
        if (!m_shared)
            return;
        Q_EMIT progress(m_shared->received.load(), m_shared->total.load());
        if (m_shared->unpacking.load() && !m_unpackingSignalled) {
            m_unpackingSignalled = true;
            Q_EMIT unpacking();
        }
    });
}

DownloadController::~DownloadController()
{
    if (m_thread) {
        m_shared->cancel = true;
        m_thread->wait();
        delete m_thread;
    }
}

bool DownloadController::running() const
{
    return m_thread != nullptr;
}

void DownloadController::start(const QString &dataDir, const DownloadSpec &spec)
{
    if (m_thread)
        return;
    m_shared = std::make_shared<Shared>();
    m_unpackingSignalled = false;
    // An archive already here (a download whose unpacking failed) goes straight to unpacking.
    m_shared->unpacking = std::filesystem::exists(cifar10ArchivePath(dataDir.toStdString()));
    // The thread owns a reference of its own: the state outlives this controller if need be.
    m_thread = QThread::create([shared = m_shared, dir = dataDir.toStdString(), spec] {
        const DownloadProgressFn onProgress = [shared](std::int64_t received, std::int64_t total) {
            shared->received = received;
            shared->total = total;
            if (total > 0 && received >= total)
                shared->unpacking = true; // all here: the checksum and unpacking come next
            return !shared->cancel.load();
        };
        try {
            shared->result = QString::fromStdString(downloadCifar10(dir, spec, onProgress));
            shared->ok = true;
        } catch (const std::exception &e) {
            shared->result = shared->cancel.load()
                                     ? tr("Download cancelled: it goes on from where it stopped "
                                          "when started again.")
                                     : QString::fromUtf8(e.what());
        }
    });
    m_thread->setObjectName("download");
    connect(m_thread, &QThread::finished, this, &DownloadController::onThreadFinished);
    m_thread->start();
    m_poll->start();
}

void DownloadController::cancel()
{
    if (m_shared)
        m_shared->cancel = true;
}

void DownloadController::onThreadFinished()
{
    m_poll->stop();
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
    Q_EMIT progress(m_shared->received.load(), m_shared->total.load());
    Q_EMIT finished(m_shared->ok, m_shared->result);
}

} // namespace normlab::gui
