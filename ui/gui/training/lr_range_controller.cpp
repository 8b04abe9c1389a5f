#include "lr_range_controller.h"

#include "dataset.h"
#include "trainer.h"

namespace normlab::gui {

namespace {

// Lives on the controller's thread; its only state is the shared stop flag.
class LrRangeWorker : public QObject
{
    Q_OBJECT

public:
    explicit LrRangeWorker(std::shared_ptr<std::atomic<bool>> stop) : m_stop(std::move(stop)) { }

public Q_SLOTS:
    void run(const normlab::ExperimentConfig &config, const normlab::LrRangeTestOptions &options)
    {
        try {
            Trainer::applyThreadCount(config.threads);
            const DatasetPair data = loadDatasets(config.data);
            LrRangeCallbacks callbacks;
            callbacks.onPoint = [this](int i, const LrRangePoint &p) { Q_EMIT point(i, p); };
            callbacks.shouldStop = [this] { return m_stop->load(); };
            Q_EMIT finished(lrRangeTest(config, data.train, options, callbacks));
        } catch (const std::exception &e) { // the engine's errors, ComputeError among them
            Q_EMIT failed(QString::fromUtf8(e.what()));
        }
    }

Q_SIGNALS:
    void point(int iteration, const normlab::LrRangePoint &point);
    void finished(const normlab::LrRangeResult &result);
    void failed(const QString &message);

private:
    std::shared_ptr<std::atomic<bool>> m_stop;
};

} // namespace

LrRangeController::LrRangeController(QObject *parent)
    : QObject(parent), m_stop(std::make_shared<std::atomic<bool>>(false))
{
    auto *worker = new LrRangeWorker(m_stop);
    worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, worker, &QObject::deleteLater);
    connect(this, &LrRangeController::startRequested, worker, &LrRangeWorker::run);
    connect(worker, &LrRangeWorker::point, this, &LrRangeController::point);
    connect(worker, &LrRangeWorker::finished, this, [this](const LrRangeResult &r) {
        m_running = false;
        Q_EMIT finished(r);
    });
    connect(worker, &LrRangeWorker::failed, this, [this](const QString &message) {
        m_running = false;
        Q_EMIT failed(message);
    });
    m_thread.setObjectName("lr-range-test");
    m_thread.start();
}

LrRangeController::~LrRangeController()
{
    m_stop->store(true);
    m_thread.quit();
    m_thread.wait();
}

void LrRangeController::start(const ExperimentConfig &config, const LrRangeTestOptions &options)
{
    if (m_running)
        return;
    m_running = true;
    m_stop->store(false);
    Q_EMIT startRequested(config, options);
}

void LrRangeController::stop()
{
    m_stop->store(true);
}

} // namespace normlab::gui

#include "lr_range_controller.moc"
