#include "runs_panel.h"

#include "gui_types.h"
#include "runs_table_model.h"
#include "settings_keys.h"

#include "errors.h"

#include <QHeaderView>
#include <QLineEdit>
#include <QMenu>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace normlab::gui {

RunsPanel::RunsPanel(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_search = new QLineEdit(this);
    m_search->setPlaceholderText(tr("Search runs: name, status, norm, tags, notes…"));
    m_search->setClearButtonEnabled(true);
    m_model = new RunsTableModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(RunsTableModel::SortRole);
    m_proxy->setFilterRole(RunsTableModel::SearchRole);
    m_proxy->setFilterKeyColumn(RunsTableModel::Id);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_view = new QTableView(this);
    m_view->setModel(m_proxy);
    m_view->verticalHeader()->hide();
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    // Sized to their contents once per full refresh, not as each cell changes: with thousands of
    // runs, ResizeToContents measured every row again for each cell a new epoch or the ticking
    // Time column set (0.6 s per epoch with 3,000 runs).
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_view->horizontalHeader()->setStretchLastSection(true);
    // Newest first, so the run being trained is at the top, until a header is clicked.
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(RunsTableModel::Id, Qt::DescendingOrder);
    layout->addWidget(m_search);
    layout->addWidget(m_view);

    connect(m_search, &QLineEdit::textChanged, m_proxy,
            [this](const QString &text) { m_proxy->setFilterFixedString(text.trimmed()); });
    connect(m_model, &RunsTableModel::checkedChanged, this, &RunsPanel::checkedRunsChanged);
    m_clock = new QTimer(this);
    m_clock->setInterval(1000);
    connect(m_clock, &QTimer::timeout, m_model, &RunsTableModel::tick);
    m_clock->start();
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_view, &QWidget::customContextMenuRequested, this, &RunsPanel::showContextMenu);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current, const QModelIndex &previous) {
                // A re-sort moves the current row without the user choosing another run.
                if (m_filling || !current.isValid() ||
                    (previous.isValid() && previous.data(RunsTableModel::RunIdRole) ==
                                                   current.data(RunsTableModel::RunIdRole)))
                    return;
                Q_EMIT runSelected(current.data(RunsTableModel::RunIdRole).toLongLong());
            });
}

void RunsPanel::showContextMenu(const QPoint &pos)
{
    const QModelIndex index = m_view->indexAt(pos);
    if (!index.isValid())
        return;
    const qint64 id = index.data(RunsTableModel::RunIdRole).toLongLong();
    const auto state = index.data(RunsTableModel::RunStateRole).value<RunState>();
    // popup(), not exec(): the table keeps updating while the menu is open.
    auto *menu = new QMenu(this);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->addAction(tr("Add &Tag…"), this, [this, id] { Q_EMIT tagRequested(id); });
    menu->addAction(tr("Edit &Note…"), this, [this, id] { Q_EMIT noteRequested(id); });
    QAction *resume =
            menu->addAction(tr("&Resume"), this, [this, id] { Q_EMIT resumeRequested(id); });
    resume->setEnabled(state == RunState::Stopped || state == RunState::Interrupted ||
                       state == RunState::Failed || state == RunState::Queued);
    menu->addSeparator();
    menu->addAction(tr("&Delete…"), this, [this, id] { Q_EMIT deleteRequested(id); });
    menu->popup(m_view->viewport()->mapToGlobal(pos));
}

void RunsPanel::selectRun(qint64 runId)
{
    const int row = m_model->rowOf(runId);
    if (row < 0)
        return;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!index.isValid())
        return; // hidden by the search
    m_view->setCurrentIndex(index);
    m_view->scrollTo(index);
}

qint64 RunsPanel::selectedRun() const
{
    const QModelIndex current = m_view->currentIndex();
    if (!current.isValid() || !m_view->selectionModel()->isRowSelected(current.row(), {}))
        return 0;
    return current.data(RunsTableModel::RunIdRole).toLongLong();
}

QList<qint64> RunsPanel::checkedRuns() const
{
    return m_model->checkedRuns();
}

void RunsPanel::restoreChecks(const RunStore &store)
{
    QSettings settings;
    const bool sameStore = settings.value(settings::kCheckedRunsStore).toString() ==
                           QString::fromStdString(store.dir());
    const QStringList saved =
            sameStore ? settings.value(settings::kCheckedRuns).toStringList() : QStringList();
    std::vector<RunRecord> runs;
    try {
        runs = store.runs();
    } catch (const StoreError &) {
        return;
    }
    bool any = false;
    for (const RunRecord &r : runs)
        if (saved.contains(QString::number(r.id))) {
            setChecked(r.id, true);
            any = true;
        }
    // A first start on this store, or every saved run deleted: an empty chart explains less
    // than the latest run does.
    if (!any && !runs.empty() && (!sameStore || !settings.contains(settings::kCheckedRuns)))
        setChecked(runs.back().id, true);
    // The detail tabs (Mistakes) show the newest ticked run rather than "select a run".
    const QList<qint64> checked = checkedRuns();
    if (!checked.isEmpty())
        selectRun(*std::max_element(checked.begin(), checked.end()));
}

void RunsPanel::saveChecks(const RunStore &store) const
{
    QStringList checked;
    for (const qint64 id : checkedRuns())
        checked << QString::number(id);
    QSettings settings;
    settings.setValue(settings::kCheckedRunsStore, QString::fromStdString(store.dir()));
    settings.setValue(settings::kCheckedRuns, checked);
}

int RunsPanel::rowCount() const
{
    return m_model->rowCount();
}

void RunsPanel::setChecked(qint64 runId, bool checked)
{
    m_model->setChecked(runId, checked);
}

void RunsPanel::setRunningSince(qint64 runId, double since, double trainedBefore)
{
    m_model->setRunningSince(runId, since, trainedBefore);
}

void RunsPanel::refresh(const RunStore &store)
{
    // The selection belongs to a run, not to a row: new runs go in at the top.
    const qint64 selected = selectedRun();
    m_filling = true;
    try {
        m_model->refresh(store);
    } catch (...) {
        m_filling = false;
        throw;
    }
    if (selected != 0 && m_model->rowOf(selected) >= 0)
        selectRun(selected);
    else
        m_view->clearSelection();
    m_filling = false;
    m_view->resizeColumnsToContents();
}

bool RunsPanel::refreshRun(const RunStore &store, qint64 runId)
{
    return m_model->refreshRun(store, runId);
}

} // namespace normlab::gui
