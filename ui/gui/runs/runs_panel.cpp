#include "runs_panel.h"

#include "settings_keys.h"

#include "durations.h"
#include "errors.h"
#include "process_stats.h"
#include "run_palette.h"
#include "seed_groups.h"

#include "run_summary.h"

#include <QHeaderView>
#include <QLineEdit>
#include <QMenu>
#include <QSettings>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace normlab::gui {

namespace {

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

QTableWidgetItem *item(const QString &text, bool numeric = false)
{
    auto *i = new QTableWidgetItem(text);
    i->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
    if (numeric)
        i->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return i;
}

// What the run cost the machine, from the process figures recorded with each epoch.
QString resourcesText(const std::vector<EpochMetrics> &epochs)
{
    if (epochs.empty())
        return {};
    std::int64_t peak = 0;
    double cpu = 0, wall = 0;
    for (std::size_t i = 0; i < epochs.size(); ++i) {
        peak = std::max(peak, epochs[i].residentBytes);
        // Between epochs of one process (a resume starts the CPU clock again).
        if (i > 0 && epochs[i].processCpuSeconds >= epochs[i - 1].processCpuSeconds &&
            epochs[i].wallTime > epochs[i - 1].wallTime) {
            cpu += epochs[i].processCpuSeconds - epochs[i - 1].processCpuSeconds;
            wall += epochs[i].wallTime - epochs[i - 1].wallTime;
        }
    }
    QString text = QObject::tr("Peak memory %1").arg(QString::fromStdString(formatMegabytes(peak)));
    if (wall > 0)
        text += QObject::tr(" · %1 cores busy on average").arg(cpu / wall, 0, 'f', 1);
    return text;
}

} // namespace

RunsPanel::RunsPanel(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_search = new QLineEdit(this);
    m_search->setPlaceholderText(tr("Search runs: name, status, norm, tags, notes…"));
    m_search->setClearButtonEnabled(true);
    m_table = new QTableWidget(0, ColumnCount, this);
    m_table->setHorizontalHeaderLabels({tr("Run"), tr("Name"), tr("Status"), tr("Preset"),
                                        tr("Norm"), tr("Augment"), tr("Params"),
                                        tr("Best test acc"), tr("Last"), tr("Epochs"), tr("Time"),
                                        tr("Tags"), tr("Note")});
    m_table->verticalHeader()->hide();
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    // Sized to their contents once per full refresh, not as each cell changes: with thousands of
    // runs, ResizeToContents measured every row again for each cell a new epoch or the ticking
    // Time column set (0.6 s per epoch with 3,000 runs).
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setSortingEnabled(false);
    layout->addWidget(m_search);
    layout->addWidget(m_table);

    connect(m_search, &QLineEdit::textChanged, this, &RunsPanel::applyFilter);
    m_clock = new QTimer(this);
    m_clock->setInterval(1000);
    connect(m_clock, &QTimer::timeout, this, [this] {
        for (int row = 0; row < m_table->rowCount(); ++row)
            if (QTableWidgetItem *d = m_table->item(row, Duration);
                d && d->data(Qt::UserRole).isValid())
                d->setText(QString::fromStdString(
                        formatDuration(d->data(Qt::UserRole).toPointF().y() +
                                       (unixTime() - d->data(Qt::UserRole).toPointF().x()))));
    });
    m_clock->start();
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_table, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        const int row = m_table->rowAt(pos.y());
        if (row < 0)
            return;
        const qint64 id = m_table->item(row, Id)->data(Qt::UserRole).toLongLong();
        const auto state =
                static_cast<RunState>(m_table->item(row, Status)->data(Qt::UserRole).toInt());
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
        menu->popup(m_table->viewport()->mapToGlobal(pos));
    });
    connect(m_table, &QTableWidget::currentCellChanged, this, [this](int row) {
        if (m_filling || row < 0 || !m_table->item(row, Id))
            return;
        Q_EMIT runSelected(m_table->item(row, Id)->data(Qt::UserRole).toLongLong());
    });
    connect(m_table, &QTableWidget::itemChanged, this, [this](QTableWidgetItem *changed) {
        if (m_filling || changed->column() != Id)
            return;
        const qint64 id = changed->data(Qt::UserRole).toLongLong();
        const bool on = changed->checkState() == Qt::Checked;
        if (on == m_checked.contains(id))
            return;
        on ? (void)m_checked.insert(id) : (void)m_checked.remove(id);
        Q_EMIT checkedRunsChanged();
    });
}

void RunsPanel::selectRun(qint64 runId)
{
    for (int row = 0; row < m_table->rowCount(); ++row)
        if (m_table->item(row, Id)->data(Qt::UserRole).toLongLong() == runId)
            m_table->selectRow(row);
}

qint64 RunsPanel::selectedRun() const
{
    const int row = m_table->currentRow();
    const QTableWidgetItem *idItem = row >= 0 ? m_table->item(row, Id) : nullptr;
    return idItem && idItem->isSelected() ? idItem->data(Qt::UserRole).toLongLong() : 0;
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
    return m_table->rowCount();
}

void RunsPanel::setChecked(qint64 runId, bool checked)
{
    if (checked == m_checked.contains(runId))
        return;
    for (int row = 0; row < m_table->rowCount(); ++row) {
        QTableWidgetItem *idItem = m_table->item(row, Id);
        if (idItem->data(Qt::UserRole).toLongLong() == runId) {
            idItem->setCheckState(checked ? Qt::Checked
                                          : Qt::Unchecked); // emits through itemChanged
            return;
        }
    }
    checked ? (void)m_checked.insert(runId) : (void)m_checked.remove(runId);
    Q_EMIT checkedRunsChanged();
}

void RunsPanel::setRunningSince(qint64 runId, double since, double trainedBefore)
{
    m_runningSince[runId] = {since, trainedBefore};
}

void RunsPanel::refresh(const RunStore &store)
{
    const std::vector<RunRecord> runs = store.runs();
    // The selection belongs to a run, not to a row: new runs go in at the top.
    const qint64 selected = selectedRun();
    m_filling = true;
    m_table->setRowCount(static_cast<int>(runs.size()));
    int row = 0;
    int selectedRow = -1;
    // Newest first: the run being trained is at the top.
    for (auto it = runs.rbegin(); it != runs.rend(); ++it, ++row) {
        fillRow(row, *it, store);
        if (it->id == selected)
            selectedRow = row;
    }
    if (selectedRow >= 0)
        m_table->setCurrentCell(selectedRow,
                                m_table->currentColumn() < 0 ? 0 : m_table->currentColumn());
    else
        m_table->clearSelection();
    m_filling = false;
    m_table->resizeColumnsToContents();
    applyFilter();
}

bool RunsPanel::refreshRun(const RunStore &store, qint64 runId)
{
    for (int row = 0; row < m_table->rowCount(); ++row) {
        if (m_table->item(row, Id)->data(Qt::UserRole).toLongLong() != runId)
            continue;
        m_filling = true;
        fillRow(row, store.run(runId), store);
        m_filling = false;
        return true;
    }
    return false;
}

// A run's config never changes once recorded: its summary is parsed once per session.
const RunConfigSummary &RunsPanel::summaryOf(const RunRecord &r)
{
    auto it = m_summaries.find(r.id);
    if (it == m_summaries.end())
        it = m_summaries.emplace(r.id, summarizeConfig(r.configJson)).first;
    return it->second;
}

void RunsPanel::fillRow(int row, const RunRecord &r, const RunStore &store)
{
    const RunConfigSummary &s = summaryOf(r);
    auto *idItem = item(QString::number(r.id), true);
    idItem->setFlags(idItem->flags() | Qt::ItemIsUserCheckable);
    idItem->setCheckState(m_checked.contains(r.id) ? Qt::Checked : Qt::Unchecked);
    idItem->setData(Qt::UserRole, static_cast<qlonglong>(r.id));
    idItem->setData(Qt::DecorationRole, runColor(r.id));
    m_table->setItem(row, Id, idItem);
    m_table->setItem(row, Name, item(QString::fromStdString(r.name)));
    auto *status = item(QString::fromStdString(toString(r.state)));
    status->setData(Qt::UserRole, static_cast<int>(r.state)); // decisions read this, not the text
    if (!r.message.empty())
        status->setToolTip(QString::fromStdString(r.message));
    m_table->setItem(row, Status, status);
    m_table->setItem(row, Preset, item(QString::fromStdString(s.preset)));
    m_table->setItem(row, Norm, item(QString::fromStdString(s.norm)));
    m_table->setItem(row, Augment, item(QString::fromStdString(s.augment)));
    m_table->setItem(row, Params,
                     item(r.parameterCount
                                  ? QLocale().toString(static_cast<qlonglong>(r.parameterCount))
                                  : "–",
                          true));
    m_table->setItem(
            row, Best,
            item(r.epochsDone
                         ? QString("%1 % @%2").arg(r.bestTestAccuracy, 0, 'f', 2).arg(r.bestEpoch)
                         : "–",
                 true));
    m_table->setItem(
            row, Last,
            item(r.epochsDone ? QString("%1 %").arg(r.lastTestAccuracy, 0, 'f', 2) : "–", true));
    m_table->setItem(row, Epochs, item(QString("%1/%2").arg(r.epochsDone).arg(s.epochs), true));
    // Time is training time, the recorded epochs' seconds: a resumed run does not count the days
    // it sat stopped (its wall-clock span did: 5:08 for 37 s of training).
    auto *duration =
            item(r.startedAt > 0 ? QString::fromStdString(formatDuration(r.trainingSeconds)) : "–",
                 true);
    // The run this window trains ticks between epochs too (see m_clock): the training time it had
    // when this session began, plus the session's time.
    if (r.state == RunState::Running && m_runningSince.contains(r.id))
        duration->setData(Qt::UserRole,
                          QPointF(m_runningSince[r.id].first, m_runningSince[r.id].second));
    m_table->setItem(row, Duration, duration);
    const QString cost = resourcesText(store.epochs(r.id));
    for (const int column : {Name, Duration})
        m_table->item(row, column)->setToolTip(cost);
    QStringList tags;
    for (const std::string &t : r.tags)
        tags << QString::fromStdString(t);
    m_table->setItem(row, Tags, item(tags.join(", ")));
    // The first line in the cell, the whole note as its tooltip; the search reads all of it.
    const QString note = QString::fromStdString(r.note).trimmed();
    auto *noteItem = item(note.section('\n', 0, 0));
    noteItem->setData(Qt::UserRole, note);
    if (!note.isEmpty())
        noteItem->setToolTip(note);
    m_table->setItem(row, Note, noteItem);
}

void RunsPanel::applyFilter()
{
    const QString text = m_search->text().trimmed();
    for (int row = 0; row < m_table->rowCount(); ++row) {
        bool match = text.isEmpty();
        for (int c = 0; c < ColumnCount && !match; ++c)
            match = m_table->item(row, c) &&
                    m_table->item(row, c)->text().contains(text, Qt::CaseInsensitive);
        if (!match && m_table->item(row, Note))
            match = m_table->item(row, Note)
                            ->data(Qt::UserRole)
                            .toString()
                            .contains(text, Qt::CaseInsensitive);
        m_table->setRowHidden(row, !match);
    }
}

} // namespace normlab::gui
