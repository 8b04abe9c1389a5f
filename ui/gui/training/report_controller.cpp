#include "report_controller.h"

#include "atomic_file.h"
#include "report_html.h"
#include "report_markdown.h"

#include <QFileInfo>

namespace normlab::gui {

namespace {

class ReportWorker : public QObject
{
    Q_OBJECT

public Q_SLOTS:
    void write(const normlab::gui::ReportJob &job)
    {
        try {
            RunStore store(job.storeDir.toStdString());
            const ReportResult report = buildRunReport(store, job.options);
            QString written = job.path;
            if (job.markdown) {
                const QFileInfo target(job.path);
                written = QString::fromStdString(
                        writeMarkdownReport(report.document, target.absolutePath().toStdString(),
                                            target.completeBaseName().toStdString())
                                .string());
            } else {
                writeFileAtomically(job.path.toStdString(), reportHtml(report.document));
            }
            QStringList warnings;
            for (const std::string &w : report.warnings)
                warnings.append(QString::fromStdString(w));
            Q_EMIT finished(written, warnings);
        } catch (const std::exception &e) { // StoreError, InputError, DataError, ComputeError
            Q_EMIT failed(QString::fromUtf8(e.what()));
        }
    }

Q_SIGNALS:
    void finished(const QString &path, const QStringList &warnings);
    void failed(const QString &message);
};

} // namespace

ReportController::ReportController(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<ReportJob>();
    auto *worker = new ReportWorker;
    worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, worker, &QObject::deleteLater);
    connect(this, &ReportController::startRequested, worker, &ReportWorker::write);
    connect(worker, &ReportWorker::finished, this,
            [this](const QString &path, const QStringList &warnings) {
                m_running = false;
                Q_EMIT finished(path, warnings);
            });
    connect(worker, &ReportWorker::failed, this, [this](const QString &message) {
        m_running = false;
        Q_EMIT failed(message);
    });
    m_thread.setObjectName("report");
    m_thread.start();
}

ReportController::~ReportController()
{
    // A report has no place to stop between its parts; closing waits for the one being written.
    m_thread.quit();
    m_thread.wait();
}

void ReportController::start(const ReportJob &job)
{
    if (m_running)
        return;
    m_running = true;
    Q_EMIT startRequested(job);
}

} // namespace normlab::gui

#include "report_controller.moc"
