#include "prediction_controller.h"

#include "image_file.h"
#include "run_store.h"
#include "trained_model.h"

namespace normlab::gui {

namespace {

class PredictionWorker : public QObject
{
    Q_OBJECT

public:
    explicit PredictionWorker(std::shared_ptr<std::atomic<quint64>> generation)
        : m_generation(std::move(generation))
    {
    }

public Q_SLOTS:
    void predict(quint64 generation, const QString &storeDir, qint64 runId, bool best,
                 const QStringList &paths)
    {
        try {
            const std::string key = storeDir.toStdString() + "/" + std::to_string(runId) +
                                    (best ? "/best" : "/last");
            if (key != m_key) {
                m_model.reset();
                m_key.clear();
                const RunStore store(storeDir.toStdString(), {true, RunStore::kSchemaVersion});
                m_model = std::make_unique<TrainedModel>(store, runId,
                                                         best ? TrainedModel::Checkpoint::Best
                                                              : TrainedModel::Checkpoint::Last);
                m_key = key;
            }
        } catch (const std::exception &e) {
            Q_EMIT failed(generation, QString::fromUtf8(e.what()));
            return;
        }
        for (const QString &path : paths) {
            if (*m_generation != generation)
                return; // a newer request
            FilePrediction out;
            out.path = path;
            try {
                const std::vector<std::uint8_t> image = readImageAs32x32(path.toStdString());
                out.rgb = QByteArray(reinterpret_cast<const char *>(image.data()),
                                     static_cast<qsizetype>(image.size()));
                const std::vector<float> p = m_model->predict({image}).front();
                out.probabilities = QVector<float>(p.begin(), p.end());
                const TrainedModel::Cam cam =
                        m_model->gradCam({image}, m_model->defaultCamLayer()).front();
                out.predicted = cam.classIndex;
                out.heat = QVector<float>(cam.heat.begin(), cam.heat.end());
            } catch (const std::exception &e) { // DataError naming the file, ComputeError
                out.error = QString::fromUtf8(e.what());
            }
            Q_EMIT predicted(generation, out);
        }
    }

Q_SIGNALS:
    void predicted(quint64 generation, const normlab::gui::FilePrediction &prediction);
    void failed(quint64 generation, const QString &message);

private:
    std::shared_ptr<std::atomic<quint64>> m_generation;
    std::unique_ptr<TrainedModel> m_model;
    std::string m_key;
};

} // namespace

PredictionController::PredictionController(QObject *parent)
    : QObject(parent), m_generation(std::make_shared<std::atomic<quint64>>(0))
{
    qRegisterMetaType<FilePrediction>();
    auto *worker = new PredictionWorker(m_generation);
    worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, worker, &QObject::deleteLater);
    connect(this, &PredictionController::requested, worker, &PredictionWorker::predict);
    connect(worker, &PredictionWorker::predicted, this,
            [this](quint64 generation, const FilePrediction &p) {
                if (generation == *m_generation)
                    Q_EMIT predicted(p);
            });
    connect(worker, &PredictionWorker::failed, this,
            [this](quint64 generation, const QString &message) {
                if (generation == *m_generation)
                    Q_EMIT failed(message);
            });
    m_thread.setObjectName("predict");
    m_thread.start();
}

PredictionController::~PredictionController()
{
    ++*m_generation; // the worker stops before its next file
    m_thread.quit();
    m_thread.wait();
}

void PredictionController::request(const QString &storeDir, qint64 runId, bool best,
                                   const QStringList &paths)
{
    Q_EMIT requested(++*m_generation, storeDir, runId, best, paths);
}

void PredictionController::cancel()
{
    ++*m_generation;
}

} // namespace normlab::gui

#include "prediction_controller.moc"
