#include "runs_table_model.h"

#include "durations.h"
#include "gui_types.h"
#include "process_stats.h"
#include "run_palette.h"

#include <QLocale>

#include <algorithm>

namespace normlab::gui {

namespace {

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

QString lines(const std::vector<std::string> &items)
{
    QStringList out;
    for (const std::string &item : items)
        out << QString::fromStdString(item);
    return out.join('\n');
}

bool isNumeric(int column)
{
    switch (column) {
    case RunsTableModel::Id:
    case RunsTableModel::Params:
    case RunsTableModel::Best:
    case RunsTableModel::Last:
    case RunsTableModel::Epochs:
    case RunsTableModel::Duration:
        return true;
    default:
        return false;
    }
}

} // namespace

RunsTableModel::RunsTableModel(QObject *parent) : QAbstractTableModel(parent) {}

RunsTableModel::Row RunsTableModel::readRow(const RunStore &store, const RunRecord &run)
{
    auto it = m_summaries.find(run.id);
    if (it == m_summaries.end())
        it = m_summaries.emplace(run.id, summarizeConfig(run.configJson)).first;
    return {run, &it->second, resourcesText(store.epochs(run.id))};
}

void RunsTableModel::refresh(const RunStore &store)
{
    const std::vector<RunRecord> runs = store.runs();
    std::vector<Row> rows;
    rows.reserve(runs.size());
    for (const RunRecord &r : runs)
        rows.push_back(readRow(store, r));
    // New runs are appended to the store's order: the rows already shown stay where they are
    // (and with them the view's selection and scroll position). Anything else starts afresh.
    const bool appended =
            rows.size() >= m_rows.size() &&
            std::equal(m_rows.begin(), m_rows.end(), rows.begin(),
                       [](const Row &a, const Row &b) { return a.run.id == b.run.id; });
    if (!appended) {
        beginResetModel();
        m_rows = std::move(rows);
        m_rowOf.clear();
        for (int i = 0; i < static_cast<int>(m_rows.size()); ++i)
            m_rowOf.insert(m_rows[i].run.id, i);
        endResetModel();
        return;
    }
    const int shown = static_cast<int>(m_rows.size());
    for (int i = 0; i < shown; ++i)
        m_rows[i] = std::move(rows[i]);
    if (shown > 0)
        Q_EMIT dataChanged(index(0, 0), index(shown - 1, ColumnCount - 1));
    if (rows.size() > m_rows.size()) {
        beginInsertRows({}, shown, static_cast<int>(rows.size()) - 1);
        for (std::size_t i = m_rows.size(); i < rows.size(); ++i) {
            m_rowOf.insert(rows[i].run.id, static_cast<int>(i));
            m_rows.push_back(std::move(rows[i]));
        }
        endInsertRows();
    }
}

bool RunsTableModel::refreshRun(const RunStore &store, qint64 runId)
{
    const int row = rowOf(runId);
    if (row < 0)
        return false;
    m_rows[row] = readRow(store, store.run(runId));
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    return true;
}

int RunsTableModel::rowOf(qint64 runId) const
{
    return m_rowOf.value(runId, -1);
}

qint64 RunsTableModel::runAt(int row) const
{
    return row >= 0 && row < rowCount() ? m_rows[row].run.id : 0;
}

void RunsTableModel::setChecked(qint64 runId, bool checked)
{
    if (checked == m_checked.contains(runId))
        return;
    checked ? (void)m_checked.insert(runId) : (void)m_checked.remove(runId);
    if (const int row = rowOf(runId); row >= 0)
        Q_EMIT dataChanged(index(row, Id), index(row, Id), {Qt::CheckStateRole});
    Q_EMIT checkedChanged(runId, checked);
}

void RunsTableModel::setRunningSince(qint64 runId, double since, double trainedBefore)
{
    m_runningSince[runId] = {since, trainedBefore};
}

void RunsTableModel::tick()
{
    for (auto it = m_runningSince.cbegin(); it != m_runningSince.cend(); ++it)
        if (const int row = rowOf(it.key());
            row >= 0 && m_rows[row].run.state == RunState::Running)
            Q_EMIT dataChanged(index(row, Duration), index(row, Duration), {Qt::DisplayRole});
}

// Time is training time, the recorded epochs' seconds: a resumed run does not count the days it
// sat stopped (its wall-clock span did: 5:08 for 37 s of training). The run this window trains
// ticks between epochs too: the training time it had when this session began, plus the session's.
double RunsTableModel::shownSeconds(const Row &row) const
{
    const auto running = m_runningSince.constFind(row.run.id);
    if (row.run.state == RunState::Running && running != m_runningSince.cend())
        return running->second + (unixTime() - running->first);
    return row.run.trainingSeconds;
}

QString RunsTableModel::text(const Row &row, int column) const
{
    const RunRecord &r = row.run;
    switch (column) {
    case Id:
        return QString::number(r.id);
    case Name:
        return QString::fromStdString(r.name);
    case Status:
        return QString::fromStdString(toString(r.state));
    case Preset:
        return QString::fromStdString(row.summary->presetLabel());
    case Norm:
        return QString::fromStdString(row.summary->norm);
    case Augment:
        return QString::fromStdString(row.summary->augment);
    case Params:
        return r.parameterCount ? QLocale().toString(static_cast<qlonglong>(r.parameterCount))
                                : QStringLiteral("–");
    case Best:
        return r.epochsDone
                       ? QString("%1 % @%2").arg(r.bestTestAccuracy, 0, 'f', 2).arg(r.bestEpoch)
                       : QStringLiteral("–");
    case Last:
        return r.epochsDone ? QString("%1 %").arg(r.lastTestAccuracy, 0, 'f', 2)
                            : QStringLiteral("–");
    case Epochs:
        return QString("%1/%2").arg(r.epochsDone).arg(row.summary->epochs);
    case Duration:
        return r.startedAt > 0 ? QString::fromStdString(formatDuration(shownSeconds(row)))
                               : QStringLiteral("–");
    case Tags: {
        QStringList tags;
        for (const std::string &t : r.tags)
            tags << QString::fromStdString(t);
        return tags.join(", ");
    }
    case Note:
        // The first line in the cell, the whole note as its tooltip; the search reads all of it.
        return QString::fromStdString(r.note).trimmed().section('\n', 0, 0);
    }
    return {};
}

QVariant RunsTableModel::sortKey(const Row &row, int column) const
{
    const RunRecord &r = row.run;
    // Runs with no epoch yet sort below every result.
    switch (column) {
    case Id:
        return static_cast<qlonglong>(r.id);
    case Params:
        return static_cast<qlonglong>(r.parameterCount);
    case Best:
        return r.epochsDone ? r.bestTestAccuracy : -1.0;
    case Last:
        return r.epochsDone ? r.lastTestAccuracy : -1.0;
    case Epochs:
        return r.epochsDone;
    case Duration:
        return r.startedAt > 0 ? shownSeconds(row) : -1.0;
    default:
        return text(row, column).toLower();
    }
}

int RunsTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int RunsTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunsTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const Row &row = m_rows[index.row()];
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return text(row, column);
    case Qt::TextAlignmentRole:
        return isNumeric(column) ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    case Qt::CheckStateRole:
        return column == Id ? (m_checked.contains(row.run.id) ? Qt::Checked : Qt::Unchecked)
                            : QVariant();
    case Qt::DecorationRole:
        return column == Id ? QVariant(runColor(row.run.id)) : QVariant();
    case Qt::ToolTipRole:
        switch (column) {
        case Name: {
            // Where the run came from and how it trained, as `runs show` says it.
            QStringList tip;
            if (const std::string origin = describeOrigin(row.run.origin); !origin.empty())
                tip << tr("Merged from %1").arg(QString::fromStdString(origin));
            if (const std::string ranks = describeRanks(row.run.parallel); !ranks.empty())
                tip << tr("Trained on %1").arg(QString::fromStdString(ranks));
            if (!row.cost.isEmpty())
                tip << row.cost;
            return tip.isEmpty() ? QVariant() : tip.join('\n');
        }
        case Duration:
            return row.cost.isEmpty() ? QVariant() : row.cost;
        case Status:
            return row.run.message.empty() ? QVariant() : QString::fromStdString(row.run.message);
        case Preset:
            if (row.summary->presetChanges.empty())
                return {};
            return tr("Started from %1, changed:\n%2")
                    .arg(QString::fromStdString(row.summary->preset),
                         lines(row.summary->presetChanges));
        case Note: {
            const QString note = QString::fromStdString(row.run.note).trimmed();
            return note.isEmpty() ? QVariant() : note;
        }
        }
        return {};
    case RunIdRole:
        return static_cast<qlonglong>(row.run.id);
    case RunStateRole:
        return QVariant::fromValue(row.run.state);
    case SortRole:
        return sortKey(row, column);
    case SearchRole: {
        QStringList cells;
        for (int c = 0; c < ColumnCount; ++c)
            cells << text(row, c);
        cells << QString::fromStdString(row.run.note);
        return cells.join('\n');
    }
    }
    return {};
}

bool RunsTableModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (!index.isValid() || index.column() != Id || role != Qt::CheckStateRole)
        return false;
    setChecked(runAt(index.row()), value.value<Qt::CheckState>() == Qt::Checked);
    return true;
}

QVariant RunsTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Id:
        return tr("Run");
    case Name:
        return tr("Name");
    case Status:
        return tr("Status");
    case Preset:
        return tr("Preset");
    case Norm:
        return tr("Norm");
    case Augment:
        return tr("Augment");
    case Params:
        return tr("Params");
    case Best:
        return tr("Best test acc");
    case Last:
        return tr("Last");
    case Epochs:
        return tr("Epochs");
    case Duration:
        return tr("Time");
    case Tags:
        return tr("Tags");
    case Note:
        return tr("Note");
    }
    return {};
}

Qt::ItemFlags RunsTableModel::flags(const QModelIndex &index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    const Qt::ItemFlags flags = Qt::ItemIsSelectable | Qt::ItemIsEnabled;
    return index.column() == Id ? flags | Qt::ItemIsUserCheckable : flags;
}

} // namespace normlab::gui
