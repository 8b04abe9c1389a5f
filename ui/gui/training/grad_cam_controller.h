// Grad-CAM of a run's test images off the GUI thread (Qt's worker-object pattern, as training):
// the worker loads the run's checkpoint once (engine TrainedModel, on its own store connection)
// and answers in chunks, so the first heat maps arrive while the rest are computed. A newer
// request makes the answers to older ones stale: they are dropped.
#pragma once

#include "gui_types.h"

#include "dataset.h"

#include <QObject>
#include <QThread>
#include <QVector>

#include <atomic>
#include <memory>

Q_DECLARE_METATYPE(std::shared_ptr<const normlab::DatasetPair>)

namespace normlab::gui {

// One test image looked at closely: every class's probability, and where the net looked for the
// class it predicted and for the true one.
struct CamInspection
{
    int testIndex = -1;
    int trueClass = 0;
    int predicted = 0;
    QVector<float> probabilities; // one per class
    QVector<float> predictedHeat, trueHeat; // 32 x 32, 0..1
};

class GradCamController : public QObject
{
    Q_OBJECT

public:
    explicit GradCamController(QObject *parent = nullptr);
    ~GradCamController() override;

    // Heat maps of `testIndices` of `data`'s test set for each image's predicted class, at the
    // run's best (or last) checkpoint, for conv block `layer`.
    void request(const QString &storeDir, qint64 runId, bool best, const QString &layer,
                 const QVector<int> &testIndices, std::shared_ptr<const DatasetPair> data);
    // Probabilities and the Grad-CAM of the predicted and of the true class for one test image;
    // answered by inspected(). Like request(), it makes earlier requests stale.
    void inspect(const QString &storeDir, qint64 runId, bool best, const QString &layer,
                 int testIndex, int trueClass, std::shared_ptr<const DatasetPair> data);
    // Drops what is in flight.
    void cancel();

Q_SIGNALS:
    // 32x32 maps (0..1), one per index.
    void heatMaps(const QVector<int> &testIndices, const QVector<QVector<float>> &maps);
    void inspected(const normlab::gui::CamInspection &inspection);
    void failed(const QString &message);
    // Internal: hands a request to the worker's thread.
    void inspectRequested(quint64 generation, const QString &storeDir, qint64 runId, bool best,
                          const QString &layer, int testIndex, int trueClass,
                          std::shared_ptr<const normlab::DatasetPair> data);
    void computeRequested(quint64 generation, const QString &storeDir, qint64 runId, bool best,
                          const QString &layer, const QVector<int> &testIndices,
                          std::shared_ptr<const normlab::DatasetPair> data);

private:
    QThread m_thread;
    std::shared_ptr<std::atomic<quint64>> m_generation;
};

} // namespace normlab::gui

Q_DECLARE_METATYPE(normlab::gui::CamInspection)
