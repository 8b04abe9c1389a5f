#include "training_worker.h"

#include "errors.h"
#include "run_session.h"
#include "run_store.h"

#include <c10/util/Exception.h>

#include <algorithm>
#include <thread>

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

        // "One thread per core" would have training and the GUI fight over every core (OpenMP
        // threads wait on each other; ../shared/notes/stack.md): leave one core to the window.
        // Measured on 2 cores: 1 training thread beside the GUI ran within 2 % of the command line,
        // 2 threads 7-9 % slower.
        if (session.config().threads == 0)
            trainer.setThreadCount(
                    std::max(1, static_cast<int>(std::thread::hardware_concurrency()) - 1));

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
        const RunResult result = session.run(callbacks);
        Q_EMIT finished(runId, static_cast<int>(toRunState(result.status)),
                        QString::fromStdString(result.message));
    } catch (const c10::Error &e) {
        Q_EMIT finished(
                runId, static_cast<int>(RunState::Failed),
                QString("LibTorch error: %1").arg(QString::fromUtf8(e.what_without_backtrace())));
    } catch (const std::exception &e) {
        Q_EMIT finished(runId, static_cast<int>(RunState::Failed), QString::fromUtf8(e.what()));
    }
    std::lock_guard lock(m_mutex);
    m_stopRequested = false; // a stop asked for before the run could start applies to that run only
}

} // namespace normlab::gui
