// The Mistakes tab's detail pane: the selected misclassified image enlarged, beside where the net
// looked for the class it predicted and for the true class (Grad-CAM), and its top-5 classes as
// bars. Computed on a worker thread of its own (GradCamController), so a gallery busy drawing
// its overlays never delays the image the user clicked.
#pragma once

#include "dataset.h"
#include "metrics.h"

#include <QStringList>
#include <QWidget>

#include <memory>
#include <optional>

class QLabel;

namespace normlab::gui {

class GradCamController;
class ProbabilityBars;
struct CamInspection;

class MistakeDetailView : public QWidget
{
    Q_OBJECT

public:
    // The weights an epoch's mistakes can be explained with.
    struct Weights
    {
        QString storeDir;
        qint64 runId = -1;
        bool best = true; // the best checkpoint, else the last
        QString layer; // the conv block Grad-CAM looks at
    };

    explicit MistakeDetailView(QWidget *parent = nullptr);

    // `weights` empty: the epoch's weights are not kept; `whyNot` says so. `data` empty: the test
    // images are loading, or cannot be, as `noImages` says.
    void showMistake(const Misclassified &mistake, const QStringList &classNames,
                     std::shared_ptr<const DatasetPair> data, const std::optional<Weights> &weights,
                     const QString &whyNot = {}, const QString &noImages = {});
    void clear();
    void setOpacity(double opacity);

    int testIndex() const { return m_mistake ? m_mistake->index : -1; }
    ProbabilityBars *bars() const { return m_bars; }
    QString noteText() const;
    GradCamController *controller() const { return m_cams; }

Q_SIGNALS:
    // The probabilities and heat maps of the shown image arrived.
    void inspected();

private:
    void apply(const CamInspection &inspection);
    void drawPictures();
    void setPartsVisible(bool visible);

    std::optional<Misclassified> m_mistake;
    QStringList m_names;
    std::shared_ptr<const DatasetPair> m_data;
    QVector<float> m_predictedHeat, m_trueHeat;
    double m_opacity = 0.5;
    GradCamController *m_cams;
    QLabel *m_title;
    QLabel *m_picture;
    QLabel *m_predictedCam;
    QLabel *m_trueCam;
    QLabel *m_predictedCaption;
    QLabel *m_trueCaption;
    QLabel *m_pictureCaption;
    QLabel *m_barsHeading;
    ProbabilityBars *m_bars;
    QLabel *m_note;
};

} // namespace normlab::gui
