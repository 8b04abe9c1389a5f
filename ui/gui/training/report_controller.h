// A report of recorded runs written off the GUI thread (Qt's worker-object pattern, as training):
// loading the test images, the Grad-CAM and encoding the pictures take seconds, and the window
// stays responsive meanwhile. The worker opens its own store connection; the answer arrives as a
// queued signal with the written file's path and what could not be drawn.
#pragma once

#include "run_report.h"

#include <QMetaType>
#include <QObject>
#include <QStringList>
#include <QThread>

namespace normlab::gui {

struct ReportJob
{
    QString storeDir;
    normlab::ReportOptions options;
    QString path; // report.html, or report.md with its <stem>_files folder beside it
    bool markdown = false;
};

class ReportController : public QObject
{
    Q_OBJECT

public:
    explicit ReportController(QObject *parent = nullptr);
    ~ReportController() override;

    bool isRunning() const { return m_running; }
    // Ignored while a report is being written.
    void start(const ReportJob &job);

Q_SIGNALS:
    void finished(const QString &path, const QStringList &warnings);
    void failed(const QString &message);
    // Internal: hands the job to the worker's thread.
    void startRequested(const normlab::gui::ReportJob &job);

private:
    QThread m_thread;
    bool m_running = false;
};

} // namespace normlab::gui

Q_DECLARE_METATYPE(normlab::gui::ReportJob)
