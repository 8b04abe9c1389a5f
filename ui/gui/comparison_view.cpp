#include "comparison_view.h"

#include "run_summary.h"
#include "seed_groups.h"

#include <QHeaderView>
#include <QLabel>
#include <QMap>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>

namespace normlab::gui {

namespace {

QTableWidgetItem *cell(const QString &text, bool numeric = true)
{
    auto *item = new QTableWidgetItem(text);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    if (numeric)
        item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

QString meanStdText(const QVector<double> &values, int decimals, const QString &unit = {})
{
    if (values.isEmpty())
        return "–";
    const MeanStd s = meanStd(values);
    return values.size() > 1 ? QString("%1 ± %2%3")
                                       .arg(s.mean, 0, 'f', decimals)
                                       .arg(s.std, 0, 'f', decimals)
                                       .arg(unit)
                             : QString("%1%2").arg(s.mean, 0, 'f', decimals).arg(unit);
}

} // namespace

ComparisonView::ComparisonView(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    m_title = new QLabel(
            tr("Run → Compare Normalizations queues the experiment with BatchNorm, GroupNorm and "
               "LayerNorm and fills this table as they train."),
            this);
    m_title->setWordWrap(true);
    m_summary = new QTableWidget(0, 7, this);
    m_summary->setHorizontalHeaderLabels(
            {tr("Normalization"), tr("Runs done"), tr("Best test accuracy"), tr("Best at epoch"),
             tr("Last test accuracy"), tr("Parameters"), tr("Training time per run")});
    m_summary->verticalHeader()->hide();
    m_summary->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_classes = new QTableWidget(0, 0, this);
    m_classes->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_classes->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    layout->addWidget(m_title);
    layout->addWidget(m_summary, 1);
    layout->addWidget(
            new QLabel(tr("Per-class test accuracy at the last epoch (mean over seeds)"), this));
    layout->addWidget(m_classes, 2);
}

void ComparisonView::setGroup(const QString &sweep)
{
    m_sweep = sweep;
}

void ComparisonView::refresh(const RunStore &store)
{
    if (m_sweep.isEmpty())
        return;
    RunFilter filter;
    filter.sweep = m_sweep.toStdString();
    const std::vector<RunRecord> runs = store.runs(filter);
    m_title->setText(tr("Comparison %1: %2 runs").arg(m_sweep).arg(runs.size()));

    struct Group
    {
        int total = 0, done = 0;
        QVector<double> best, bestEpoch, last, seconds;
        std::int64_t params = 0;
        QVector<QVector<double>> perClass; // one vector of class accuracies per run
    };
    QMap<QString, Group> groups;
    QStringList order;
    std::vector<std::string> classNames;
    for (const RunRecord &r : runs) {
        const QString norm = QString::fromStdString(summarizeConfig(r.configJson).norm);
        if (!groups.contains(norm))
            order << norm;
        Group &g = groups[norm];
        ++g.total;
        if (r.classNames.size() > classNames.size())
            classNames = r.classNames;
        if (r.epochsDone == 0)
            continue;
        g.params = r.parameterCount;
        if (r.state == RunState::Finished) {
            ++g.done;
            g.best << r.bestTestAccuracy;
            g.bestEpoch << r.bestEpoch;
            g.last << r.lastTestAccuracy;
            g.seconds << r.trainingSeconds;
        }
        const std::vector<int> confusion = store.confusion(r.id, r.epochsDone);
        const int n =
                static_cast<int>(std::lround(std::sqrt(static_cast<double>(confusion.size()))));
        QVector<double> accuracy;
        for (int t = 0; t < n; ++t) {
            int total = 0;
            for (int p = 0; p < n; ++p)
                total += confusion[static_cast<std::size_t>(t * n + p)];
            accuracy << (total ? 100.0 * confusion[static_cast<std::size_t>(t * n + t)] / total
                               : 0.0);
        }
        g.perClass << accuracy;
    }

    m_summary->setRowCount(static_cast<int>(order.size()));
    for (int row = 0; row < order.size(); ++row) {
        const Group &g = groups[order[row]];
        m_summary->setItem(row, 0, cell(order[row], false));
        m_summary->setItem(row, 1, cell(QString("%1/%2").arg(g.done).arg(g.total)));
        m_summary->setItem(row, 2, cell(meanStdText(g.best, 2, " %")));
        m_summary->setItem(row, 3, cell(meanStdText(g.bestEpoch, g.bestEpoch.size() > 1 ? 1 : 0)));
        m_summary->setItem(row, 4, cell(meanStdText(g.last, 2, " %")));
        m_summary->setItem(
                row, 5,
                cell(g.params ? QLocale().toString(static_cast<qlonglong>(g.params)) : "–"));
        QVector<double> minutes;
        for (const double s : g.seconds)
            minutes << s / 60.0;
        m_summary->setItem(row, 6, cell(meanStdText(minutes, 1, " min")));
    }

    m_classes->setColumnCount(static_cast<int>(order.size()));
    m_classes->setHorizontalHeaderLabels(order);
    m_classes->setRowCount(static_cast<int>(classNames.size()));
    QStringList rowNames;
    for (const std::string &n : classNames)
        rowNames << QString::fromStdString(n);
    m_classes->setVerticalHeaderLabels(rowNames);
    for (int c = 0; c < order.size(); ++c) {
        const Group &g = groups[order[c]];
        for (int row = 0; row < static_cast<int>(classNames.size()); ++row) {
            QVector<double> values;
            for (const auto &run : g.perClass)
                if (row < run.size())
                    values << run[row];
            m_classes->setItem(row, c, cell(meanStdText(values, 1, " %")));
        }
    }
}

} // namespace normlab::gui
