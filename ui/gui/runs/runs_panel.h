// The runs table: every run in the store with its status and results, a search field, and a check
// box per run that overlays it on the charts.
#pragma once

#include "run_store.h"
#include "run_summary.h"

#include <QColor>
#include <QSet>
#include <QHash>
#include <QWidget>

#include <unordered_map>

class QLineEdit;
class QTableWidget;
class QTimer;

namespace normlab::gui {

class RunsPanel : public QWidget
{
    Q_OBJECT

public:
    explicit RunsPanel(QWidget *parent = nullptr);

    // Re-reads the table from `store`, keeping the checks.
    void refresh(const RunStore &store);
    // Re-reads one run's row (a new epoch); false if the run is not in the table.
    bool refreshRun(const RunStore &store, qint64 runId);
    QList<qint64> checkedRuns() const { return m_checked.values(); }
    void setChecked(qint64 runId, bool checked);
    void selectRun(qint64 runId);
    // Ticks (and selects the newest of) the runs ticked when NormLab last closed on `store`, or
    // else the newest run; saveChecks remembers them.
    void restoreChecks(const RunStore &store);
    void saveChecks(const RunStore &store) const;
    // The run of the selected row, or 0.
    qint64 selectedRun() const;
    int rowCount() const;
    // The run this window started training at `since` (Unix seconds) with `trainedBefore` seconds
    // of training already recorded: its Time ticks from there.
    void setRunningSince(qint64 runId, double since, double trainedBefore);

    // One colour per run, the same in every chart.

Q_SIGNALS:
    void checkedRunsChanged();
    // The user selected a row: the run to show in the detail views.
    void runSelected(qint64 runId);
    // From the table's context menu.
    void tagRequested(qint64 runId);
    void noteRequested(qint64 runId);
    void resumeRequested(qint64 runId);
    void deleteRequested(qint64 runId);

private:
    void applyFilter();
    void fillRow(int row, const RunRecord &r, const RunStore &store);
    const RunConfigSummary &summaryOf(const RunRecord &r);

    QLineEdit *m_search;
    QTableWidget *m_table;
    QHash<qint64, std::pair<double, double>> m_runningSince; // since, trained before
    QTimer *m_clock; // the Time of running runs, every second
    QSet<qint64> m_checked;
    bool m_filling = false;
    std::unordered_map<qint64, RunConfigSummary> m_summaries;
};

} // namespace normlab::gui
