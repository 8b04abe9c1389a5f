#include "mistake_detail_view.h"

#include "cam_picture.h"
#include "grad_cam_controller.h"
#include "probability_bars.h"

#include <QGridLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace normlab::gui {

namespace {

constexpr int kZoom = 4; // 32 px as 128 px: three side by side fit beside the gallery
constexpr int kTop = 5;

QLabel *pictureLabel(QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setFixedSize(Dataset::kWidth * kZoom, Dataset::kHeight * kZoom);
    label->setAlignment(Qt::AlignCenter);
    label->setFrameShape(QFrame::StyledPanel);
    return label;
}

QLabel *captionLabel(QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setAlignment(Qt::AlignHCenter | Qt::AlignTop);
    label->setWordWrap(true);
    label->setFixedWidth(Dataset::kWidth * kZoom);
    return label;
}

} // namespace

MistakeDetailView::MistakeDetailView(QWidget *parent) : QWidget(parent)
{
    m_cams = new GradCamController(this);
    m_title = new QLabel(this);
    m_title->setWordWrap(true);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_picture = pictureLabel(this);
    m_predictedCam = pictureLabel(this);
    m_trueCam = pictureLabel(this);
    m_pictureCaption = captionLabel(this);
    m_pictureCaption->setText(tr("the image"));
    m_predictedCaption = captionLabel(this);
    m_trueCaption = captionLabel(this);
    m_bars = new ProbabilityBars(this);
    m_note = new QLabel(this);
    m_note->setWordWrap(true);
    m_note->setEnabled(false); // greyed, in any palette

    auto *pictures = new QGridLayout;
    pictures->addWidget(m_picture, 0, 0);
    pictures->addWidget(m_predictedCam, 0, 1);
    pictures->addWidget(m_trueCam, 0, 2);
    pictures->addWidget(m_pictureCaption, 1, 0);
    pictures->addWidget(m_predictedCaption, 1, 1);
    pictures->addWidget(m_trueCaption, 1, 2);
    pictures->setColumnStretch(3, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_title);
    layout->addLayout(pictures);
    m_barsHeading = new QLabel(tr("<b>Top %1 classes</b>").arg(kTop), this);
    layout->addWidget(m_barsHeading);
    layout->addWidget(m_bars);
    layout->addWidget(m_note);
    layout->addStretch(1);

    connect(m_cams, &GradCamController::inspected, this, &MistakeDetailView::apply);
    connect(m_cams, &GradCamController::failed, this, [this](const QString &message) {
        m_note->setText(tr("Grad-CAM: %1").arg(message));
    });
    clear();
}

void MistakeDetailView::clear()
{
    m_cams->cancel();
    m_mistake.reset();
    m_data.reset();
    m_predictedHeat.clear();
    m_trueHeat.clear();
    m_title->setText(tr("Select an image to see where the net looked and its top classes."));
    for (QLabel *l : {m_picture, m_predictedCam, m_trueCam, m_predictedCaption, m_trueCaption})
        l->clear();
    m_bars->clear();
    m_note->clear();
    setPartsVisible(false);
}

// Empty frames before anything is chosen read as something broken: the pane says what it is for.
void MistakeDetailView::setPartsVisible(bool visible)
{
    for (QWidget *w : std::initializer_list<QWidget *> {m_picture, m_predictedCam, m_trueCam,
                                                        m_pictureCaption, m_predictedCaption,
                                                        m_trueCaption, m_barsHeading, m_bars})
        w->setVisible(visible);
}

void MistakeDetailView::showMistake(const Misclassified &mistake, const QStringList &classNames,
                                    std::shared_ptr<const DatasetPair> data,
                                    const std::optional<Weights> &weights, const QString &whyNot,
                                    const QString &noImages)
{
    m_mistake = mistake;
    m_names = classNames;
    setPartsVisible(true);
    m_data = std::move(data);
    m_predictedHeat.clear();
    m_trueHeat.clear();
    m_bars->clear();
    const auto name = [this](int c) {
        return c >= 0 && c < m_names.size() ? m_names[c] : QString::number(c);
    };
    m_title->setText(tr("<b>Test image %1</b>: %2, predicted <b>%3</b> (%4 %)")
                             .arg(mistake.index)
                             .arg(name(mistake.trueLabel).toHtmlEscaped(),
                                  name(mistake.predicted).toHtmlEscaped())
                             .arg(100.0 * mistake.confidence, 0, 'f', 1));
    m_predictedCaption->setText(tr("looking for %1").arg(name(mistake.predicted)));
    m_trueCaption->setText(tr("looking for %1").arg(name(mistake.trueLabel)));
    drawPictures();
    const bool haveImage = m_data && mistake.index >= 0 &&
                           static_cast<std::size_t>(mistake.index) < m_data->test.size();
    if (!haveImage) {
        m_cams->cancel();
        m_note->setText(noImages.isEmpty()
                                ? tr("The test images are still loading.")
                                : tr("The test images cannot be shown: %1").arg(noImages));
    } else if (!weights) {
        m_cams->cancel();
        m_note->setText(whyNot);
    } else {
        m_note->setText(tr("Computing with %1's weights at %2…")
                                .arg(weights->best ? tr("the best checkpoint (lowest test loss)")
                                                   : tr("the last checkpoint"),
                                     weights->layer));
        m_cams->inspect(weights->storeDir, weights->runId, weights->best, weights->layer,
                        mistake.index, mistake.trueLabel, m_data);
    }
}

void MistakeDetailView::setOpacity(double opacity)
{
    m_opacity = opacity;
    drawPictures();
}

QString MistakeDetailView::noteText() const
{
    return m_note->text();
}

void MistakeDetailView::apply(const CamInspection &inspection)
{
    if (!m_mistake || inspection.testIndex != m_mistake->index)
        return;
    m_predictedHeat = inspection.predictedHeat;
    m_trueHeat = inspection.trueHeat;
    m_bars->setProbabilities(inspection.probabilities, m_names, inspection.trueClass, kTop);
    // The checkpoint may be of another epoch than the recorded mistake (the best one, say): say
    // so when it now answers differently.
    if (inspection.predicted != m_mistake->predicted)
        m_note->setText(tr("These weights now predict %1; at the epoch shown the run predicted %2.")
                                .arg(inspection.predicted < m_names.size()
                                             ? m_names[inspection.predicted]
                                             : QString::number(inspection.predicted),
                                     m_mistake->predicted < m_names.size()
                                             ? m_names[m_mistake->predicted]
                                             : QString::number(m_mistake->predicted)));
    else
        m_note->clear();
    drawPictures();
    Q_EMIT inspected();
}

void MistakeDetailView::drawPictures()
{
    if (!m_mistake || !m_data || m_mistake->index < 0 ||
        static_cast<std::size_t>(m_mistake->index) >= m_data->test.size()) {
        for (QLabel *l : {m_picture, m_predictedCam, m_trueCam})
            l->clear();
        return;
    }
    const std::uint8_t *image = m_data->test.image(static_cast<std::size_t>(m_mistake->index));
    m_picture->setPixmap(camPicture(image, kZoom));
    m_predictedCam->setPixmap(m_predictedHeat.isEmpty()
                                      ? QPixmap()
                                      : camPicture(image, kZoom, m_predictedHeat, m_opacity));
    m_trueCam->setPixmap(m_trueHeat.isEmpty() ? QPixmap()
                                              : camPicture(image, kZoom, m_trueHeat, m_opacity));
}

} // namespace normlab::gui
