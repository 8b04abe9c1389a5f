// Predictions on the user's own image files off the GUI thread (Qt's worker-object pattern): the
// worker loads a recorded run's network once (engine TrainedModel), reads each file at 32x32
// (engine readImageAs32x32) and answers file by file with the probabilities and the Grad-CAM of
// the predicted class. A file that cannot be read is an answer too, with its message; the others
// still come.
#pragma once

#include <QByteArray>
#include <QMetaType>
#include <QObject>
#include <QStringList>
#include <QThread>
#include <QVector>

#include <atomic>
#include <memory>

namespace normlab::gui {

struct FilePrediction
{
    QString path;
    QString error; // empty: read and predicted
    QByteArray rgb; // 32 x 32 x 3, as the network saw it
    QVector<float> probabilities; // one per class
    int predicted = -1;
    QVector<float> heat; // Grad-CAM of the predicted class, 32 x 32, 0..1
};

class PredictionController : public QObject
{
    Q_OBJECT

public:
    explicit PredictionController(QObject *parent = nullptr);
    ~PredictionController() override;

    // Predicts `paths` with run `runId`'s best (or last) checkpoint; a newer request drops what
    // is left of this one.
    void request(const QString &storeDir, qint64 runId, bool best, const QStringList &paths);
    void cancel();

Q_SIGNALS:
    void predicted(const normlab::gui::FilePrediction &prediction);
    // The run's network could not be loaded (no checkpoint, a config this NormLab cannot read).
    void failed(const QString &message);
    // Internal: hands a request to the worker's thread.
    void requested(quint64 generation, const QString &storeDir, qint64 runId, bool best,
                   const QStringList &paths);

private:
    QThread m_thread;
    std::shared_ptr<std::atomic<quint64>> m_generation;
};

} // namespace normlab::gui

Q_DECLARE_METATYPE(normlab::gui::FilePrediction)
