#include "mistakes_view.h"

#include "elided_label.h"

#include "store_error_banner.h"

#include "confusion_matrix_view.h"
#include "dataset_cache.h"
#include "errors.h"
#include "grad_cam_controller.h"
#include "model_spec.h"
#include "mistake_detail_view.h"
#include "mistakes_model.h"
#include "recorded_config.h"

#include <cmath>

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QSlider>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>

namespace normlab::gui {

namespace {

constexpr int kZoom = MistakesModel::kZoom;
enum Sort { MostConfident, LeastConfident, ByIndex };

} // namespace

MistakesView::MistakesView(DatasetCache *cache, QWidget *parent)
    : QWidget(parent),
      m_cache(cache ? cache : new DatasetCache(this)),
      m_model(new MistakesModel(this))
{
    auto *layout = new QVBoxLayout(this);
    m_storeError = new StoreErrorBanner(this);
    layout->addWidget(m_storeError);
    auto *bar = new QHBoxLayout;
    m_title = new ElidedLabel(tr("Check or select a run to see its mistakes"), this);
    m_epochSlider = new QSlider(Qt::Horizontal, this);
    m_epochSlider->setMinimumWidth(100);
    m_epochLabel = new QLabel(this);
    m_trueClass = new QComboBox(this);
    m_predicted = new QComboBox(this);
    m_sort = new QComboBox(this);
    m_sort->addItem(tr("Most confident first"), MostConfident);
    m_sort->addItem(tr("Least confident first"), LeastConfident);
    m_sort->addItem(tr("Test-set order"), ByIndex);
    // The filters give way before the window does (they made it at least 1,321 px wide).
    for (QComboBox *box : {m_trueClass, m_predicted}) {
        box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        box->setMinimumContentsLength(10); // "automobile"
    }
    m_count = new QLabel(this);
    m_count->setWordWrap(true);
    bar->addWidget(m_title, 1);
    bar->addWidget(new QLabel(tr("Epoch"), this));
    bar->addWidget(m_epochSlider);
    bar->addWidget(m_epochLabel);
    layout->addLayout(bar);
    // The filters on a line of their own: beside the title they set the window's least width.
    auto *filters = new QHBoxLayout;
    filters->addWidget(new QLabel(tr("True"), this));
    filters->addWidget(m_trueClass);
    filters->addWidget(new QLabel(tr("Predicted"), this));
    filters->addWidget(m_predicted);
    filters->addWidget(m_sort);
    filters->addStretch(1);
    m_camToggle = new QCheckBox(tr("&Grad-CAM"), this);
    m_camToggle->setToolTip(tr("Where the net looked for the class it predicted: the heat map of "
                               "the chosen conv block over each image (red: most)"));
    m_camLayer = new QComboBox(this);
    m_camLayer->setToolTip(tr("The conv block Grad-CAM looks at"));
    m_camLayer->setEnabled(false);
    // Beside the epoch, whose weights it needs: on the filters' line the window grew wider.
    m_camOpacity = new QSlider(Qt::Horizontal, this);
    m_camOpacity->setRange(10, 90);
    m_camOpacity->setValue(50);
    m_camOpacity->setFixedWidth(70);
    m_camOpacity->setToolTip(tr("Opacity of the heat map over the image"));
    m_camOpacity->setEnabled(false);
    bar->addWidget(m_camToggle);
    bar->addWidget(m_camLayer);
    bar->addWidget(m_camOpacity);
    layout->addLayout(filters);

    m_gallery = new QListView(this);
    m_gallery->setModel(m_model);
    m_gallery->setViewMode(QListView::IconMode);
    m_gallery->setIconSize(QSize(Dataset::kWidth * kZoom, Dataset::kHeight * kZoom));
    m_gallery->setGridSize(QSize(Dataset::kWidth * kZoom + 48,
                                 Dataset::kHeight * kZoom + 4 * fontMetrics().height()));
    m_gallery->setResizeMode(QListView::Adjust);
    m_gallery->setMovement(QListView::Static);
    m_gallery->setUniformItemSizes(true);
    m_gallery->setLayoutMode(QListView::Batched); // lays out thousands of items without a pause
    m_gallery->setWordWrap(true);
    m_matrix = new ConfusionMatrixView(this);
    auto *split = new QSplitter(Qt::Horizontal, this);
    split->setObjectName("mistakesSplitter"); // its sizes are kept across starts
    auto *left = new QWidget(split);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(m_count);
    leftLayout->addWidget(m_gallery, 1);
    split->addWidget(left);
    m_detail = new MistakeDetailView(this);
    auto *right = new QSplitter(Qt::Vertical, split);
    right->setObjectName("mistakesDetailSplitter");
    right->addWidget(m_detail);
    right->addWidget(m_matrix);
    right->setStretchFactor(0, 1);
    right->setStretchFactor(1, 1);
    split->addWidget(right);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);

    connect(m_epochSlider, &QSlider::valueChanged, this, &MistakesView::setEpoch);
    connect(m_gallery->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex &current) { showDetail(current.isValid() ? current.row() : -1); });
    m_cams = new GradCamController(this);
    connect(m_cams, &GradCamController::heatMaps, m_model, &MistakesModel::addHeatMaps);
    connect(m_cams, &GradCamController::heatMaps, this, [this] { updateCamNote(); });
    connect(m_cams, &GradCamController::failed, this, [this](const QString &message) {
        m_camNote = tr("Grad-CAM: %1").arg(message);
        updateCamNote();
    });
    connect(m_camToggle, &QCheckBox::toggled, this, [this](bool on) {
        m_camLayer->setEnabled(on);
        m_camOpacity->setEnabled(on);
        requestCams();
    });
    connect(m_camOpacity, &QSlider::valueChanged, this, [this](int percent) {
        m_model->setOverlay(m_camToggle->isChecked(), percent / 100.0);
        m_detail->setOpacity(percent / 100.0);
    });
    connect(m_camLayer, &QComboBox::currentIndexChanged, this, [this] {
        if (m_updating)
            return;
        m_model->clearHeatMaps();
        requestCams();
        showDetail(m_gallery->currentIndex().isValid() ? m_gallery->currentIndex().row() : -1);
    });
    for (QComboBox *c : {m_trueClass, m_predicted, m_sort})
        connect(c, &QComboBox::currentIndexChanged, this, [this] {
            if (m_updating)
                return;
            m_diagonalNote.clear();
            const int t = m_trueClass->currentData().toInt(), p = m_predicted->currentData().toInt();
            m_matrix->setSelectedCell(t >= 0 && p >= 0 ? t : -1, t >= 0 && p >= 0 ? p : -1);
            fillGallery();
        });
    connect(m_matrix, &ConfusionMatrixView::cellClicked, this,
            [this](int t, int p) { setFilter(t, p); });
    connect(m_cache, &DatasetCache::ready, this, [this] { fillGallery(); });
    connect(m_cache, &DatasetCache::failed, this,
            [this](const QString &key, const QString &message) {
                try {
                    if (m_runId < 0 || key != DatasetCache::keyOf(recordedConfig(m_record).data))
                        return; // another view's dataset
                } catch (const InputError &) {
                    return;
                }
                m_imagesProblem = message;
                fillGallery();
            });
}

MistakesView::~MistakesView() = default;

void MistakesView::showRun(const RunStore &store, qint64 runId)
{
    // The same run again (a new epoch of the training run): keep the filters, and follow the newest
    // epoch only if that is what was on screen.
    const bool sameRun = m_store == &store && m_runId == runId;
    const bool followLast = !sameRun || m_epoch == static_cast<int>(m_epochs.size());
    m_store = &store;
    m_runId = runId;
    try {
        m_record = store.run(runId);
        m_epochs = store.epochs(runId, 0, false);
    } catch (const StoreError &e) {
        m_storeError->showError(QString::fromUtf8(e.what()));
        return;
    }
    m_storeError->clearError();
    m_title->setText(tr("Run %1 \"%2\"").arg(runId).arg(QString::fromStdString(m_record.name)));
    m_updating = true;
    if (!sameRun) {
        fillCamLayers();
        // Another run starts unfiltered: its classes and mistakes are its own.
        m_diagonalNote.clear();
        m_matrix->setSelectedCell(-1, -1);
        for (QComboBox *c : {m_trueClass, m_predicted}) {
            c->clear();
            c->addItem(tr("any"), -1);
            for (std::size_t i = 0; i < m_record.classNames.size(); ++i)
                c->addItem(QString::fromStdString(m_record.classNames[i]), static_cast<int>(i));
        }
    }
    m_epochSlider->setRange(m_epochs.empty() ? 0 : 1, static_cast<int>(m_epochs.size()));
    m_updating = false;
    m_imagesProblem.clear();
    try {
        m_cache->request(recordedConfig(m_record).data);
    } catch (const InputError &e) {
        m_imagesProblem = QString::fromUtf8(e.what());
    }
    const int target = followLast ? static_cast<int>(m_epochs.size()) : m_epoch;
    if (m_epochSlider->value() == target)
        setEpoch(target);
    else
        m_epochSlider->setValue(target); // calls setEpoch
}

void MistakesView::setEpoch(int epoch)
{
    m_epoch = epoch;
    if (m_epochSlider->value() != epoch)
        m_epochSlider->setValue(epoch);
    m_epochLabel->setText(epoch > 0 ? tr("%1 of %2").arg(epoch).arg(m_epochs.size()) : tr("none"));
    loadEpoch();
}

void MistakesView::setFilter(int trueClass, int predicted)
{
    // The diagonal counts correct predictions, which the gallery does not hold: show the class's
    // mistakes instead, and say so.
    m_diagonalNote.clear();
    if (trueClass >= 0 && trueClass == predicted) {
        std::vector<int> c;
        try {
            if (m_store)
                c = m_store->confusion(m_runId, m_epoch);
        } catch (const StoreError &e) {
            m_storeError->showError(QString::fromUtf8(e.what()));
        }
        const auto classes = static_cast<int>(std::sqrt(static_cast<double>(c.size())));
        const int correct = trueClass < classes ? c[static_cast<std::size_t>(trueClass * (classes + 1))] : 0;
        const QString name = m_trueClass->itemText(std::max(0, m_trueClass->findData(trueClass)));
        m_diagonalNote = tr("The diagonal counts correct predictions (%1 %2 images); the gallery "
                            "holds mistakes, so it shows the %2 images predicted as anything else.")
                                 .arg(correct)
                                 .arg(name);
        predicted = -1;
    }
    m_updating = true;
    m_trueClass->setCurrentIndex(std::max(0, m_trueClass->findData(trueClass)));
    m_predicted->setCurrentIndex(std::max(0, m_predicted->findData(predicted)));
    m_updating = false;
    m_matrix->setSelectedCell(trueClass, m_diagonalNote.isEmpty() ? predicted : trueClass);
    fillGallery();
}

void MistakesView::loadEpoch()
{
    m_mistakes.clear();
    m_model->clearHeatMaps();
    QStringList names;
    for (const std::string &n : m_record.classNames)
        names << QString::fromStdString(n);
    if (m_store && m_epoch >= 1 && m_epoch <= static_cast<int>(m_epochs.size())) {
        try {
            m_mistakes = m_store->misclassified(m_runId, m_epoch);
            const std::vector<int> c = m_store->confusion(m_runId, m_epoch);
            m_matrix->setMatrix(QVector<int>(c.begin(), c.end()), names);
        } catch (const StoreError &e) {
            m_mistakes.clear();
            m_matrix->setMatrix({}, names);
            m_storeError->showError(QString::fromUtf8(e.what()));
        }
    } else {
        m_matrix->setMatrix({}, names);
    }
    fillGallery();
}

int MistakesView::shownCount() const
{
    return m_model->rowCount();
}

void MistakesView::fillGallery()
{
    const int wantTrue =
            m_trueClass->currentData().isValid() ? m_trueClass->currentData().toInt() : -1;
    const int wantPredicted =
            m_predicted->currentData().isValid() ? m_predicted->currentData().toInt() : -1;
    std::vector<Misclassified> shown;
    for (const Misclassified &m : m_mistakes)
        if ((wantTrue < 0 || m.trueLabel == wantTrue) &&
            (wantPredicted < 0 || m.predicted == wantPredicted))
            shown.push_back(m);
    switch (m_sort->currentData().toInt()) {
    case MostConfident:
        std::stable_sort(shown.begin(), shown.end(),
                         [](auto &a, auto &b) { return a.confidence > b.confidence; });
        break;
    case LeastConfident:
        std::stable_sort(shown.begin(), shown.end(),
                         [](auto &a, auto &b) { return a.confidence < b.confidence; });
        break;
    default:
        break;
    }

    std::shared_ptr<const DatasetPair> data;
    try {
        if (m_runId >= 0)
            data = m_cache->get(recordedConfig(m_record).data);
    } catch (const InputError &) {
    }
    m_imagesLoaded = data && data->fingerprint == m_record.datasetFingerprint;
    if (data && !m_imagesLoaded)
        m_imagesProblem =
                tr("%1 no longer holds the images run %2 was tested on (its "
                   "fingerprint differs)")
                        .arg(QString::fromStdString(data->path.empty() ? data->kind : data->path))
                        .arg(m_runId);
    if (m_imagesLoaded)
        m_imagesProblem.clear();
    m_data = m_imagesLoaded ? data : nullptr;
    QStringList names;
    for (const std::string &n : m_record.classNames)
        names << QString::fromStdString(n);
    const std::size_t count = shown.size();
    const int selected = m_detail->testIndex();
    m_model->setMistakes(std::move(shown), names, m_imagesLoaded ? data : nullptr);
    int row = -1;
    for (int r = 0; r < m_model->rowCount() && selected >= 0; ++r)
        if (m_model->mistake(r).index == selected)
            row = r;
    selectRow(row);
    QString status = tr("%1 of %2 misclassified test images").arg(count).arg(m_mistakes.size());
    if (m_runId >= 0 && !m_imagesLoaded)
        status += m_imagesProblem.isEmpty()
                          ? tr(" (loading the test images…)")
                          : "\n" + tr("Images unavailable: %1").arg(m_imagesProblem);
    if (!m_diagonalNote.isEmpty())
        status += "\n" + m_diagonalNote;
    m_status = status;
    requestCams();
    updateCamNote();
    Q_EMIT updated();
}

void MistakesView::fillCamLayers()
{
    m_camLayer->clear();
    try {
        const ModelSpec spec = buildModelSpec(recordedConfig(m_record).model,
                                              std::max<int>(1, int(m_record.classNames.size())));
        QString fallback;
        for (const LayerSpec &layer : spec.layers) {
            if (layer.kind == LayerSpec::Kind::GlobalAvgPool && fallback.isEmpty())
                fallback = m_camLayer->itemText(m_camLayer->count() - 1);
            if (layer.kind == LayerSpec::Kind::ConvBlock)
                m_camLayer->addItem(QString::fromStdString(layer.name));
        }
        m_camLayer->setCurrentText(fallback);
    } catch (const InputError &) {
        // A config this NormLab cannot read: no layers to offer.
    }
}

void MistakesView::setGradCam(bool on, const QString &layer)
{
    if (!layer.isEmpty())
        m_camLayer->setCurrentText(layer);
    m_camToggle->setChecked(on);
}

void MistakesView::setGradCamOpacity(double opacity)
{
    m_camOpacity->setValue(qRound(opacity * 100));
}

QString MistakesView::statusText() const
{
    return m_count->text();
}

// Grad-CAM needs the weights of the epoch shown: the run keeps its best and its last checkpoint.
void MistakesView::requestCams()
{
    m_camNote.clear();
    m_model->setOverlay(m_camToggle->isChecked(), m_camOpacity->value() / 100.0);
    if (!m_camToggle->isChecked() || !m_store || m_runId < 0 || m_mistakes.empty()) {
        m_cams->cancel();
        updateCamNote();
        return;
    }
    QString whyNot;
    const std::optional<bool> best = checkpointOfEpoch(&whyNot);
    if (!best) {
        m_cams->cancel();
        m_camNote = tr("Grad-CAM: %1").arg(whyNot);
        updateCamNote();
        return;
    }
    if (!m_data)
        return; // asked again when the test images arrive
    QVector<int> missing;
    for (int row = 0; row < m_model->rowCount(); ++row) // those on screen first
        if (!m_model->hasHeatMap(m_model->mistake(row).index))
            missing << m_model->mistake(row).index;
    if (missing.isEmpty())
        return;
    m_cams->request(QString::fromStdString(m_store->dir()), m_runId, *best,
                    m_camLayer->currentText(), missing, m_data);
}

std::optional<bool> MistakesView::checkpointOfEpoch(QString *whyNot) const
{
    if (m_epoch == m_record.bestCheckpointEpoch)
        return true;
    if (m_epoch == m_record.epochsDone && m_record.state != RunState::Running)
        return false;
    *whyNot = tr("this run keeps the weights of epoch %1 (best: lowest test loss) and %2 (last) "
                 "only; choose one of them")
                      .arg(m_record.bestCheckpointEpoch)
                      .arg(m_record.epochsDone);
    return std::nullopt;
}

void MistakesView::selectRow(int row)
{
    if (row < 0 || row >= m_model->rowCount()) {
        m_gallery->selectionModel()->clear();
        m_detail->clear();
        return;
    }
    const QModelIndex index = m_model->index(row);
    if (m_gallery->currentIndex() == index)
        showDetail(row); // the same row over new contents: currentChanged does not come
    else
        m_gallery->setCurrentIndex(index);
}

void MistakesView::showDetail(int row)
{
    if (row < 0 || row >= m_model->rowCount() || !m_store) {
        m_detail->clear();
        return;
    }
    QStringList names;
    for (const std::string &n : m_record.classNames)
        names << QString::fromStdString(n);
    QString whyNot;
    const std::optional<bool> best = checkpointOfEpoch(&whyNot);
    std::optional<MistakeDetailView::Weights> weights;
    if (best)
        weights = MistakeDetailView::Weights {QString::fromStdString(m_store->dir()), m_runId,
                                              *best, m_camLayer->currentText()};
    else
        whyNot = tr("Grad-CAM and the top classes: %1.").arg(whyNot);
    m_detail->showMistake(m_model->mistake(row), names, m_data, weights, whyNot, m_imagesProblem);
}

void MistakesView::updateCamNote()
{
    QString text = m_status;
    if (m_camToggle->isChecked() && m_camNote.isEmpty() && m_model->rowCount() > 0) {
        int drawn = 0;
        for (int row = 0; row < m_model->rowCount(); ++row)
            drawn += m_model->hasHeatMap(m_model->mistake(row).index) ? 1 : 0;
        if (drawn < m_model->rowCount())
            text += "\n" + tr("Grad-CAM of %1: %2 of %3 drawn…")
                                    .arg(m_camLayer->currentText())
                                    .arg(drawn)
                                    .arg(m_model->rowCount());
    }
    if (!m_camNote.isEmpty())
        text += "\n" + m_camNote;
    m_count->setText(text);
}

} // namespace normlab::gui
