// The runs table: every run in the store with its status and results, a search field, and a check
// box per run that overlays it on the charts. A view over RunsTableModel, sorted (newest first
// until a header is clicked) and searched through a QSortFilterProxyModel.
#pragma once

#include "run_store.h"

#include <QWidget>

class QLineEdit;
class QSortFilterProxyModel;
class QTableView;
class QTimer;

namespace normlab::gui {

class RunsTableModel;

class RunsPanel : public QWidget
{
    Q_OBJECT

public:
    explicit RunsPanel(QWidget *parent = nullptr);

    // Re-reads the table from `store`, keeping the checks.
    void refresh(const RunStore &store);
    // Re-reads one run's row (a new epoch); false if the run is not in the table.
    bool refreshRun(const RunStore &store, qint64 runId);
    QList<qint64> checkedRuns() const;
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

    RunsTableModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }

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
    void showContextMenu(const QPoint &pos);

    QLineEdit *m_search;
    RunsTableModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_view;
    QTimer *m_clock; // the Time of running runs, every second
    bool m_filling = false; // a refresh restores the selection: not the user's choice
};

} // namespace normlab::gui
