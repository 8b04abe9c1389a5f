#include "training_controller.h"

#include "run_store.h"
#include "training_worker.h"

namespace normlab::gui {

TrainingController::TrainingController(QString storeDir, QObject *parent)
    : QObject(parent), m_storeDir(std::move(storeDir))
{
    qRegisterMetaType<normlab::BatchProgress>();
    qRegisterMetaType<normlab::EpochMetrics>();
    qRegisterMetaType<normlab::RunState>();
    qRegisterMetaType<normlab::LayerStatsSample>();
    qRegisterMetaType<std::vector<normlab::LayerHistogram>>();
    m_thread.setObjectName("training");
    m_worker = new TrainingWorker;
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(this, &TrainingController::trainRequested, m_worker, &TrainingWorker::train);
    connect(m_worker, &TrainingWorker::started, this, &TrainingController::runStarted);
    connect(m_worker, &TrainingWorker::batchDone, this, &TrainingController::batchDone);
    connect(m_worker, &TrainingWorker::epochDone, this, &TrainingController::epochDone);
    connect(m_worker, &TrainingWorker::layerStatsDone, this, &TrainingController::layerStatsDone);
    connect(m_worker, &TrainingWorker::layerHistogramsDone, this,
            &TrainingController::layerHistogramsDone);
    connect(m_worker, &TrainingWorker::finished, this, &TrainingController::onFinished);
    m_thread.start();
}

TrainingController::~TrainingController()
{
    m_queue.clear();
    m_worker->requestStop();
    m_worker->setPaused(false);
    m_thread.quit();
    m_thread.wait();
}

void TrainingController::enqueue(qint64 runId)
{
    if (runId == m_current || m_queue.contains(runId))
        return;
    m_queue.append(runId);
    Q_EMIT queueChanged();
    if (m_current < 0)
        startNext();
}

void TrainingController::removeFromQueue(qint64 runId)
{
    if (m_queue.removeAll(runId) > 0)
        Q_EMIT queueChanged();
}

void TrainingController::setPaused(bool paused)
{
    if (paused == m_paused)
        return;
    m_paused = paused;
    m_worker->setPaused(paused);
    Q_EMIT pausedChanged(paused);
}

void TrainingController::stop(bool clearQueue)
{
    if (clearQueue && !m_queue.isEmpty()) {
        m_queue.clear();
        Q_EMIT queueChanged();
    }
    if (m_current >= 0)
        m_worker->requestStop();
    setPaused(false); // a paused trainer must wake up to see the stop
}

void TrainingController::startQueue()
{
    startNext();
}

void TrainingController::startNext()
{
    if (m_current >= 0 || m_queue.isEmpty())
        return;
    m_current = m_queue.takeFirst();
    Q_EMIT queueChanged();
    Q_EMIT trainRequested(m_storeDir, m_current, m_batchIntervalMs);
}

void TrainingController::onFinished(qint64 runId, RunState state, const QString &message)
{
    m_current = -1;
    Q_EMIT runFinished(runId, state, message);
    // A stopped run halts the queue, as Ctrl-C halts a sweep; anything else moves on.
    if (state != RunState::Stopped)
        startNext();
}

} // namespace normlab::gui
