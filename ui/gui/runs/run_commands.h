// What can be done to a recorded run from the runs table: tag it, annotate it, resume it, delete
// it. The request*() calls ask first, in window-modal dialogs that never block; the others act at
// once (tests drive them directly). The views are told what changed through signals.
#pragma once

#include <QObject>
#include <QString>

class QWidget;

namespace normlab {
class RunStore;
}

namespace normlab::gui {

class TrainingController;

class RunCommands : public QObject
{
    Q_OBJECT

public:
    // Dialogs and messages open on `window`, which also parents this object.
    RunCommands(RunStore &store, TrainingController *controller, QWidget *window);

    bool addTag(qint64 runId, const QString &tag);
    bool setNote(qint64 runId, const QString &note);
    // Refuses the run in training; removes a queued run from the queue first.
    bool deleteRun(qint64 runId);
    void resumeRun(qint64 runId);

    void requestTag(qint64 runId);
    void requestNote(qint64 runId);
    void requestDelete(qint64 runId);

Q_SIGNALS:
    // A run's records changed: the runs table should be read again.
    void runsChanged();
    void runDeleted(qint64 runId);
    // Emitted before the run is queued, so its curves can be shown from its first batch.
    void runResuming(qint64 runId);

private:
    RunStore &m_store;
    TrainingController *m_controller;
    QWidget *m_window;
};

} // namespace normlab::gui
