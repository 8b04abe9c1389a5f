// Owns the training thread and its worker (Qt's worker-object pattern) and a queue of runs that
// are trained one after another. Everything here lives in the GUI thread; the worker's signals
// arrive queued, carrying small value types.
#pragma once

#include "gui_types.h"

#include <QList>
#include <QObject>
#include <QThread>

namespace normlab::gui {

class TrainingWorker;

class TrainingController : public QObject
{
    Q_OBJECT

public:
    explicit TrainingController(QString storeDir, QObject *parent = nullptr);
    // Stops the current run (recorded as stopped), then quit() + wait() on the thread.
    ~TrainingController() override;

    const QString &storeDir() const { return m_storeDir; }
    bool isTraining() const { return m_current >= 0; }
    bool isPaused() const { return m_paused; }
    qint64 currentRun() const { return m_current; }
    QList<qint64> queuedRuns() const { return m_queue; }

    // Progress reaches the GUI at most this often.
    void setBatchIntervalMs(int ms) { m_batchIntervalMs = ms; }

public Q_SLOTS:
    // Adds a run (already created in the store) to the queue; it starts when nothing else trains.
    void enqueue(qint64 runId);
    void removeFromQueue(qint64 runId);
    // Continues the queue after a stop (a stopped run halts it, as Ctrl-C halts a sweep).
    void startQueue();
    void setPaused(bool paused);
    // Stops the current run within one batch; `clearQueue` also forgets the runs waiting.
    void stop(bool clearQueue = false);

Q_SIGNALS:
    void runStarted(qint64 runId, int epochs, int resumedFrom, qint64 parameters,
                    QString description);
    void batchDone(qint64 runId, const normlab::BatchProgress &progress);
    void epochDone(qint64 runId, const normlab::EpochMetrics &metrics);
    void layerStatsDone(qint64 runId, const normlab::LayerStatsSample &sample);
    void layerHistogramsDone(qint64 runId, const std::vector<normlab::LayerHistogram> &histograms);
    void runFinished(qint64 runId, normlab::RunState state, QString message);
    void queueChanged();
    void pausedChanged(bool paused);
    // Internal: hands a run to the worker's thread.
    void trainRequested(const QString &storeDir, qint64 runId, int batchIntervalMs);

private:
    void startNext();
    void onFinished(qint64 runId, normlab::RunState state, const QString &message);

    QString m_storeDir;
    QThread m_thread;
    TrainingWorker *m_worker = nullptr; // lives in m_thread, deleted when it finishes
    QList<qint64> m_queue;
    qint64 m_current = -1;
    bool m_paused = false;
    int m_batchIntervalMs = 100;
};

} // namespace normlab::gui
