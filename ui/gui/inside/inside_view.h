// The Inside tab (docs/inside.md): what each conv block does to the signal while a run trains.
// Left, a layer x epoch heat map of the chosen statistic for one run; middle, the statistic per
// layer for every checked run at the chosen epoch (seed groups as mean and band); right, ridge-line
// histograms of one layer's output over the epochs. Runs come from the store and, while one
// trains, from the controller's queued signals; redraws are batched.
#pragma once

#include "layer_stats_types.h"
#include "seed_groups.h"

#include <QHash>
#include <QList>
#include <QTimer>
#include <QWidget>

#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QSlider;

namespace normlab {
class RunStore;
}

namespace normlab::gui {

class LayerHeatMap;
class LayerProfilePlot;
class RidgePlot;
class StoreErrorBanner;

class InsideView : public QWidget
{
    Q_OBJECT

public:
    explicit InsideView(QWidget *parent = nullptr);

    // Shows exactly `runs` (the checked ones): loads new ones from the store, drops the others.
    void showRuns(const RunStore &store, const QList<qint64> &runs);
    // Live samples of a run in training; those of runs not shown are ignored.
    void addLayerStats(qint64 runId, const LayerStatsSample &sample);
    void addLayerHistograms(qint64 runId, const std::vector<LayerHistogram> &histograms);
    // A run starts or resumes: what it will redo is gone from the store, so read it again.
    void reloadRun(qint64 runId);
    void setGroupSeeds(bool on);

    QComboBox *statBox() const { return m_stat; }
    QComboBox *runBox() const { return m_run; }
    QComboBox *layerBox() const { return m_layer; }
    QSlider *epochSlider() const { return m_epoch; }
    QCheckBox *logScaleBox() const { return m_log; }
    LayerHeatMap *heatMap() const { return m_heatMap; }
    LayerProfilePlot *profilePlot() const { return m_profile; }
    RidgePlot *ridgePlot() const { return m_ridge; }
    // Redraws so far: live samples arriving faster than kRedrawIntervalMs share one.
    int redrawCount() const { return m_redraws; }

    static constexpr int kRedrawIntervalMs = 250;

protected:
    void showEvent(QShowEvent *event) override;

private:
    struct RunLayers
    {
        QString name;
        std::vector<LayerStatsSample> samples;
        std::vector<LayerHistogram> histograms;
    };

    void loadRun(qint64 runId);
    void scheduleRedraw();
    void redraw();
    void drawHeatMap(LayerStat stat, bool log);
    void drawProfiles(LayerStat stat, bool log);
    void drawRidges();
    void updateChoices();
    LayerStat currentStat() const;
    qint64 currentRun() const;

    const RunStore *m_store = nullptr;
    QList<qint64> m_shown;
    QHash<qint64, RunLayers> m_runs;
    // Seed groups among the shown runs (two or more seeds), when grouping is on.
    QList<SeedGroup> m_groups;
    bool m_groupSeeds = false;
    QTimer m_redrawTimer;
    bool m_stale = false; // data changed while the tab was hidden
    int m_redraws = 0;

    QComboBox *m_stat;
    QComboBox *m_run;
    QComboBox *m_layer;
    QSlider *m_epoch;
    QLabel *m_epochLabel;
    QCheckBox *m_log;
    QLabel *m_hint;
    StoreErrorBanner *m_storeError;
    LayerHeatMap *m_heatMap;
    LayerProfilePlot *m_profile;
    RidgePlot *m_ridge;
};

} // namespace normlab::gui
