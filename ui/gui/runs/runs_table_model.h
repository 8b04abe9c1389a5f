// Every run in the store as a table model: one row per run in the store's order, the columns the
// runs table shows, a check state per run (ticked runs are overlaid on the charts). Sorting and the
// search belong to a QSortFilterProxyModel over it (see RunsPanel); decisions read the roles below,
// never a cell's text.
#pragma once

#include "run_store.h"
#include "run_summary.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QSet>

#include <unordered_map>
#include <vector>

namespace normlab::gui {

class RunsTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        Id,
        Name,
        Status,
        Preset,
        Norm,
        Augment,
        Params,
        Best,
        Last,
        Epochs,
        Duration,
        Tags,
        Note,
        ColumnCount
    };
    enum Role {
        RunIdRole = Qt::UserRole + 1, // qint64, every column
        RunStateRole, // RunState, every column
        SortRole, // numbers as numbers: 9.5 % sorts below 80 %
        SearchRole, // column Id: every cell's text and the whole note, for the search field
    };

    explicit RunsTableModel(QObject *parent = nullptr);

    // Re-reads every run; a run already shown keeps its row. Throws StoreError.
    void refresh(const RunStore &store);
    // Re-reads one run (a new epoch); false if it has no row. Throws StoreError.
    bool refreshRun(const RunStore &store, qint64 runId);
    // Row of `runId` in this model, or -1.
    int rowOf(qint64 runId) const;
    qint64 runAt(int row) const;

    QList<qint64> checkedRuns() const { return m_checked.values(); }
    bool isChecked(qint64 runId) const { return m_checked.contains(runId); }
    // Also for a run without a row yet (it is ticked when it appears).
    void setChecked(qint64 runId, bool checked);

    // The run this window started training at `since` (Unix seconds) with `trainedBefore`
    // seconds recorded: its Time ticks from there, see tick().
    void setRunningSince(qint64 runId, double since, double trainedBefore);
    // Updates the Time of the runs this window trains.
    void tick();

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role) override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

Q_SIGNALS:
    void checkedChanged(qint64 runId, bool checked);

private:
    struct Row
    {
        RunRecord run;
        const RunConfigSummary *summary;
        QString cost; // peak memory and cores busy, from the recorded epochs
    };

    Row readRow(const RunStore &store, const RunRecord &run);
    QString text(const Row &row, int column) const;
    QVariant sortKey(const Row &row, int column) const;
    double shownSeconds(const Row &row) const;

    std::vector<Row> m_rows;
    QHash<qint64, int> m_rowOf;
    QSet<qint64> m_checked;
    QHash<qint64, std::pair<double, double>> m_runningSince; // since, trained before
    // A run's config never changes once recorded: its summary is parsed once per session.
    std::unordered_map<qint64, RunConfigSummary> m_summaries;
};

} // namespace normlab::gui
