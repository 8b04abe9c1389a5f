#include "grad_cam_controller.h"

#include "errors.h"
#include "run_store.h"
#include "trained_model.h"

#include <algorithm>

namespace normlab::gui {

namespace {

// Images per Grad-CAM pass: between passes the gallery fills in and a newer request cancels this
// one (the engine itself bounds memory by the run's eval_batch_size).
constexpr int kChunk = 128;

class GradCamWorker : public QObject
{
    Q_OBJECT

public:
    explicit GradCamWorker(std::shared_ptr<std::atomic<quint64>> generation)
        : m_generation(std::move(generation))
    {
    }

public Q_SLOTS:
    void compute(quint64 generation, const QString &storeDir, qint64 runId, bool best,
                 const QString &layer, const QVector<int> &testIndices,
                 std::shared_ptr<const normlab::DatasetPair> data)
    {
        try {
            TrainedModel &model = modelOf(storeDir, runId, best);
            for (int first = 0; first < testIndices.size(); first += kChunk) {
                if (*m_generation != generation)
                    return; // a newer request: this one's answers would be dropped
                const int last = std::min<int>(first + kChunk, int(testIndices.size()));
                std::vector<std::vector<std::uint8_t>> images;
                QVector<int> chunk;
                for (int i = first; i < last; ++i) {
                    const int index = testIndices[i];
                    if (index < 0 || static_cast<std::size_t>(index) >= data->test.size())
                        continue;
                    const std::uint8_t *p = data->test.image(static_cast<std::size_t>(index));
                    images.emplace_back(p, p + Dataset::kImageBytes);
                    chunk << index;
                }
                QVector<QVector<float>> maps;
                for (const TrainedModel::Cam &cam : model.gradCam(images, layer.toStdString()))
                    maps << QVector<float>(cam.heat.begin(), cam.heat.end());
                Q_EMIT heatMaps(generation, chunk, maps);
            }
        } catch (const std::exception &e) { // the engine's errors, ComputeError among them
            m_model.reset();
            m_modelKey.clear();
            Q_EMIT failed(generation, QString::fromUtf8(e.what()));
        }
    }

    void inspect(quint64 generation, const QString &storeDir, qint64 runId, bool best,
                 const QString &layer, int testIndex, int trueClass,
                 std::shared_ptr<const normlab::DatasetPair> data)
    {
        if (*m_generation != generation)
            return; // the user has moved on to another image
        try {
            TrainedModel &model = modelOf(storeDir, runId, best);
            if (testIndex < 0 || static_cast<std::size_t>(testIndex) >= data->test.size())
                throw InputError("test image " + std::to_string(testIndex) +
                                 " is outside the test set");
            const std::uint8_t *p = data->test.image(static_cast<std::size_t>(testIndex));
            const std::vector<std::vector<std::uint8_t>> image {{p, p + Dataset::kImageBytes}};
            CamInspection out;
            out.testIndex = testIndex;
            out.trueClass = trueClass;
            const std::vector<float> probabilities = model.predict(image).front();
            out.probabilities = QVector<float>(probabilities.begin(), probabilities.end());
            const TrainedModel::Cam predicted = model.gradCam(image, layer.toStdString()).front();
            out.predicted = predicted.classIndex;
            out.predictedHeat = QVector<float>(predicted.heat.begin(), predicted.heat.end());
            const TrainedModel::Cam truth =
                    model.gradCam(image, layer.toStdString(), trueClass).front();
            out.trueHeat = QVector<float>(truth.heat.begin(), truth.heat.end());
            Q_EMIT inspected(generation, out);
        } catch (const std::exception &e) {
            m_model.reset();
            m_modelKey.clear();
            Q_EMIT failed(generation, QString::fromUtf8(e.what()));
        }
    }

Q_SIGNALS:
    void inspected(quint64 generation, const normlab::gui::CamInspection &inspection);
    void heatMaps(quint64 generation, const QVector<int> &testIndices,
                  const QVector<QVector<float>> &maps);
    void failed(quint64 generation, const QString &message);

private:
    // The loaded network, again for the same run and checkpoint unless its file changed since: a
    // run that is still training replaces best.pt and last.pt as it goes.
    TrainedModel &modelOf(const QString &storeDir, qint64 runId, bool best)
    {
        const std::string key =
                storeDir.toStdString() + "/" + std::to_string(runId) + (best ? "/best" : "/last");
        if (key != m_modelKey || m_model->checkpointReplaced()) {
            m_model.reset();
            m_modelKey.clear();
            const RunStore store(storeDir.toStdString(), {true, RunStore::kSchemaVersion});
            m_model = std::make_unique<TrainedModel>(store, runId,
                                                     best ? TrainedModel::Checkpoint::Best
                                                          : TrainedModel::Checkpoint::Last);
            m_modelKey = key;
        }
        return *m_model;
    }

    std::shared_ptr<std::atomic<quint64>> m_generation;
    std::unique_ptr<TrainedModel> m_model;
    std::string m_modelKey;
};

} // namespace

GradCamController::GradCamController(QObject *parent)
    : QObject(parent), m_generation(std::make_shared<std::atomic<quint64>>(0))
{
    auto *worker = new GradCamWorker(m_generation);
    worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, worker, &QObject::deleteLater);
    qRegisterMetaType<CamInspection>();
    connect(this, &GradCamController::computeRequested, worker, &GradCamWorker::compute);
    connect(this, &GradCamController::inspectRequested, worker, &GradCamWorker::inspect);
    connect(worker, &GradCamWorker::inspected, this,
            [this](quint64 generation, const CamInspection &inspection) {
                if (generation == *m_generation)
                    Q_EMIT inspected(inspection);
            });
    connect(worker, &GradCamWorker::heatMaps, this,
            [this](quint64 generation, const QVector<int> &indices,
                   const QVector<QVector<float>> &maps) {
                if (generation == *m_generation)
                    Q_EMIT heatMaps(indices, maps);
            });
    connect(worker, &GradCamWorker::failed, this,
            [this](quint64 generation, const QString &message) {
                if (generation == *m_generation)
                    Q_EMIT failed(message);
            });
    m_thread.setObjectName("grad-cam");
    m_thread.start();
}

GradCamController::~GradCamController()
{
    ++*m_generation; // the worker stops at its next chunk
    m_thread.quit();
    m_thread.wait();
}

void GradCamController::request(const QString &storeDir, qint64 runId, bool best,
                                const QString &layer, const QVector<int> &testIndices,
                                std::shared_ptr<const DatasetPair> data)
{
    Q_EMIT computeRequested(++*m_generation, storeDir, runId, best, layer, testIndices,
                            std::move(data));
}

void GradCamController::inspect(const QString &storeDir, qint64 runId, bool best,
                                const QString &layer, int testIndex, int trueClass,
                                std::shared_ptr<const DatasetPair> data)
{
    Q_EMIT inspectRequested(++*m_generation, storeDir, runId, best, layer, testIndex, trueClass,
                            std::move(data));
}

void GradCamController::cancel()
{
    ++*m_generation;
}

} // namespace normlab::gui

#include "grad_cam_controller.moc"
