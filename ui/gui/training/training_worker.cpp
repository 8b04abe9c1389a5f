#include "training_worker.h"

#include "errors.h"
#include "run_session.h"
#include "run_store.h"

#include <algorithm>

namespace normlab::gui {

void TrainingWorker::requestStop()
{
    std::lock_guard lock(m_mutex);
    m_stopRequested = true;
    if (m_trainer)
        m_trainer->requestStop();
}

void TrainingWorker::setPaused(bool paused)
{
    std::lock_guard lock(m_mutex);
    m_paused = paused;
    if (m_trainer)
        m_trainer->setPaused(paused);
}

void TrainingWorker::train(const QString &storeDir, qint64 runId, int batchIntervalMs)
{
    // Exceptions stop here: a slot must not throw into Qt's event loop.
    try {
        RunStore store(storeDir.toStdString());
        RunSession session(store, runId);
        Trainer &trainer = session.trainer();
        // Declared after the session, so it unregisters the trainer before the trainer is
        // destroyed, on every way out: the GUI thread never reaches a dead trainer.
        struct Registration
        {
            TrainingWorker &worker;
            Registration(TrainingWorker &w, Trainer &t) : worker(w)
            {
                std::lock_guard lock(worker.m_mutex);
                worker.m_trainer = &t;
                if (worker.m_stopRequested)
                    t.requestStop();
                t.setPaused(worker.m_paused);
            }
            ~Registration()
            {
                std::lock_guard lock(worker.m_mutex);
                worker.m_trainer = nullptr;
                worker.m_stopRequested = false;
            }
        } registration(*this, trainer);

        // The config's thread count, as on the command line ("one per core" by default). Measured
        // on 2 cores, 4 epochs of s8-bn beside live charts, interleaved with normlab-cli runs:
        // 2 threads averaged 3.5 % slower than the command line (6 pairs, 0 to 10 %), 1 thread
        // 6 % (10 pairs, 0 to 16 %); the window itself takes 3-4 % of one core.
        const DatasetPair &data = session.data();
        const QString description =
                QString("%1 (%2 train, %3 test images), %4")
                        .arg(QString::fromStdString(data.kind +
                                                    (data.path.empty() ? "" : " " + data.path)))
                        .arg(data.train.size())
                        .arg(data.test.size())
                        .arg(QString::fromStdString(trainer.deviceName()));
        Q_EMIT started(runId, session.config().epochs, session.resumedFrom(),
                       trainer.parameterCount(), description);

        TrainerCallbacks callbacks;
        callbacks.batchIntervalMs = batchIntervalMs;
        callbacks.onBatch = [&](const BatchProgress &p) { Q_EMIT batchDone(runId, p); };
        callbacks.onEpoch = [&](const EpochMetrics &m) {
            EpochMetrics light = m;
            light.misclassified.clear();
            light.misclassified.shrink_to_fit();
            Q_EMIT epochDone(runId, light);
        };
        callbacks.onLayerStats = [&](const LayerStatsSample &s) {
            Q_EMIT layerStatsDone(runId, s);
        };
        callbacks.onLayerHistograms = [&](const std::vector<LayerHistogram> &h) {
            Q_EMIT layerHistogramsDone(runId, h);
        };
        const RunResult result = session.run(callbacks);
        Q_EMIT finished(runId, toRunState(result.status), QString::fromStdString(result.message));
    } catch (const std::exception &e) { // the engine's errors, ComputeError among them
        Q_EMIT finished(runId, RunState::Failed, QString::fromUtf8(e.what()));
    }
    std::lock_guard lock(m_mutex);
    m_stopRequested = false; // a stop asked for before the run could start applies to that run only
}

} // namespace normlab::gui
