// Trains recorded runs on the controller's thread. Its slots run there; requestStop() and
// setPaused() are called from the GUI thread and only touch atomics (inside the trainer).
#pragma once

#include "gui_types.h"

#include <QObject>
#include <QString>

#include <mutex>

namespace normlab {

class Trainer;

namespace gui {

class TrainingWorker : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    // Thread-safe; honoured between batches.
    void requestStop();
    void setPaused(bool paused);

public Q_SLOTS:
    // Trains run `runId` of the store in `storeDir` to its end (or a stop), recording as it goes.
    void train(const QString &storeDir, qint64 runId, int batchIntervalMs);

Q_SIGNALS:
    void started(qint64 runId, int epochs, int resumedFrom, qint64 parameters, QString description);
    void batchDone(qint64 runId, const normlab::BatchProgress &progress);
    // Without the misclassified images: views read those from the store.
    void epochDone(qint64 runId, const normlab::EpochMetrics &metrics);
    // Each conv block's statistics (every few batches and each epoch's probe), and the blocks'
    // output histograms at each epoch's end: a few kilobytes each.
    void layerStatsDone(qint64 runId, const normlab::LayerStatsSample &sample);
    void layerHistogramsDone(qint64 runId, const std::vector<normlab::LayerHistogram> &histograms);
    // message says why it did not finish.
    void finished(qint64 runId, normlab::RunState state, QString message);

private:
    std::mutex m_mutex; // guards m_trainer against the run ending while the GUI calls in
    Trainer *m_trainer = nullptr;
    bool m_stopRequested = false;
    bool m_paused = false;
};

} // namespace gui
} // namespace normlab
