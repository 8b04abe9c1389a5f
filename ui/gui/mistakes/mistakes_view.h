// Browse a run's mistakes: the misclassified test images of one epoch (an epoch slider), each
// labelled true -> predicted with its confidence, filtered by true and predicted class, sorted by
// confidence, beside the epoch's confusion matrix; clicking a cell shows exactly those images.
#pragma once

#include "metrics.h"
#include "run_store.h"

#include <QWidget>

#include "dataset.h"

#include <memory>
#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QListView;
class QSlider;

namespace normlab::gui {

class StoreErrorBanner;

class ConfusionMatrixView;
class MistakeDetailView;
class GradCamController;
class DatasetCache;
class MistakesModel;

class MistakesView : public QWidget
{
    Q_OBJECT

public:
    // `cache` is shared with other views; without one the view makes its own.
    explicit MistakesView(DatasetCache *cache = nullptr, QWidget *parent = nullptr);
    ~MistakesView() override;

    // Shows run `runId` at its last recorded epoch.
    void showRun(const RunStore &store, qint64 runId);
    qint64 run() const { return m_runId; }
    void setEpoch(int epoch);
    int epoch() const { return m_epoch; }
    // -1 for any class.
    void setFilter(int trueClass, int predicted);
    // Images shown after filtering, and whether they are drawn (the test set is loaded).
    int shownCount() const;
    bool imagesLoaded() const { return m_imagesLoaded; }
    QListView *gallery() const { return m_gallery; }
    MistakesModel *model() const { return m_model; }
    ConfusionMatrixView *confusionMatrix() const { return m_matrix; }
    MistakeDetailView *detail() const { return m_detail; }
    // Selects the gallery's row `row` (-1: none), which the detail pane shows.
    void selectRow(int row);
    // The Grad-CAM overlay and the conv block it looks at (default: the last before the pool).
    void setGradCam(bool on, const QString &layer = {});
    QString statusText() const;
    // Of the heat map over each picture, 0.1 to 0.9.
    void setGradCamOpacity(double opacity);

Q_SIGNALS:
    // The gallery shows what was asked for (after a run, epoch or filter change, or images
    // arriving).
    void updated();

private:
    void loadEpoch();
    void fillGallery();
    void requestCams();
    void updateCamNote();
    void fillCamLayers();
    void showDetail(int row);
    // Which checkpoint holds the weights of the shown epoch: the best (true), the last (false),
    // or none, with `whyNot` saying so.
    std::optional<bool> checkpointOfEpoch(QString *whyNot) const;

    const RunStore *m_store = nullptr;
    qint64 m_runId = -1;
    RunRecord m_record;
    std::vector<EpochMetrics> m_epochs;
    std::vector<Misclassified> m_mistakes; // of the shown epoch
    int m_epoch = 0;
    bool m_imagesLoaded = false;
    bool m_updating = false;
    QString m_diagonalNote; // why a diagonal click shows what it shows

    DatasetCache *m_cache;
    MistakesModel *m_model;
    QLabel *m_title;
    StoreErrorBanner *m_storeError;
    QSlider *m_epochSlider;
    QLabel *m_epochLabel;
    QComboBox *m_trueClass;
    QComboBox *m_predicted;
    QComboBox *m_sort;
    QLabel *m_count;
    QListView *m_gallery;
    ConfusionMatrixView *m_matrix;
    MistakeDetailView *m_detail;
    QCheckBox *m_camToggle;
    QComboBox *m_camLayer;
    QSlider *m_camOpacity;
    GradCamController *m_cams;
    std::shared_ptr<const DatasetPair> m_data; // the loaded test images, for Grad-CAM
    QString m_status; // the count line, before the Grad-CAM note
    QString m_imagesProblem; // why the run's test images cannot be shown; empty: loaded or loading
    QString m_camNote;
};

} // namespace normlab::gui
