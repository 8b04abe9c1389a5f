// The Curves tab: the loss and accuracy charts side by side with their controls (x axis, smoothing,
// log scale, seed grouping). It shows the runs it is given, from the store, and continues the run
// in training from live progress.
#pragma once

#include "metrics.h"
#include "trainer.h"
#include "training_clock.h"

#include <QHash>
#include <QWidget>

class QCheckBox;
class QLabel;

namespace normlab {
class RunStore;
}

namespace normlab::gui {

class StoreErrorBanner;

class MetricsChart;

class CurvesView : public QWidget
{
    Q_OBJECT

public:
    explicit CurvesView(QWidget *parent = nullptr);

    MetricsChart *lossChart() const { return m_loss; }
    MetricsChart *accuracyChart() const { return m_accuracy; }

    // Shows exactly `runs`: drops the others, loads new ones from the store, regroups seeds.
    void showRuns(const RunStore &store, const QList<qint64> &runs);
    void removeRun(qint64 runId);
    void addBatch(qint64 runId, const BatchProgress &progress);
    void addEpoch(qint64 runId, const EpochMetrics &metrics);
    void setGroupSeeds(bool on);
    // The run selected in the runs table, drawn stronger than the others in both charts.
    void setEmphasis(qint64 runId);

    // Both charts as BASE-loss.EXT and BASE-accuracy.EXT (png, svg, pdf); stops at the first
    // failure.
    QStringList exportImages(const QString &basePath, QString *error);
    QString toCsv() const;

Q_SIGNALS:
    // "Group seeds" was switched: other views that draw the checked runs follow.
    void groupSeedsChanged(bool on);

private:
    void loadRun(qint64 runId);
    void updateSeedGroups();
    void updateCaptions(bool grouped);

    const RunStore *m_store = nullptr;
    QList<qint64> m_shown;
    MetricsChart *m_loss;
    MetricsChart *m_accuracy;
    QCheckBox *m_groupSeeds;
    QLabel *m_groupNote; // what was grouped, and what could not be
    StoreErrorBanner *m_storeError;
    QHash<qint64, qint64> m_lastStep; // the latest batch step of each run in training
    QHash<qint64, TrainingClock> m_clocks; // the x of each run's points "by time"
};

} // namespace normlab::gui
