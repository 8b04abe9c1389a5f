#include "comparison_view.h"

#include "store_error_banner.h"

#include "durations.h"

#include "errors.h"
#include "run_summary.h"
#include "run_palette.h"
#include "seed_groups.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMap>
#include <QPainter>
#include <QPixmap>
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

// "12:05" or "12:05 ± 0:31", as durations are written everywhere.
QString durationText(const QVector<double> &seconds)
{
    if (seconds.isEmpty())
        return "–";
    const MeanStd s = meanStd(seconds);
    const QString mean = QString::fromStdString(formatDuration(s.mean));
    return seconds.size() > 1 ? mean + " ± " + QString::fromStdString(formatDuration(s.std)) : mean;
}

// Per-class test accuracy at the run's last recorded epoch, then all classes together.
QVector<double> classAccuracies(const RunStore &store, const RunRecord &r)
{
    QVector<double> out;
    if (r.epochsDone == 0)
        return out;
    int correct = 0, images = 0;
    for (const ClassResult &c : classResults(store.confusion(r.id, r.epochsDone))) {
        out << c.accuracyPercent();
        correct += c.correct;
        images += c.images;
    }
    if (images)
        out << 100.0 * correct / images;
    return out;
}

QIcon swatch(const QColor &color)
{
    QPixmap pixmap(12, 12);
    pixmap.fill(color);
    return QIcon(pixmap);
}

} // namespace

ComparisonView::ComparisonView(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    m_storeError = new StoreErrorBanner(this);
    layout->addWidget(m_storeError);
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

    auto *sourceRow = new QHBoxLayout;
    m_classSource = new QComboBox(this);
    m_classSource->addItem(tr("this comparison's normalizations (mean ± std over seeds)"));
    m_classSource->addItem(tr("the runs checked in the runs table"));
    sourceRow->addWidget(new QLabel(tr("Per-class test accuracy at the last epoch of"), this));
    sourceRow->addWidget(m_classSource);
    sourceRow->addStretch(1);
    m_classHint = new QLabel(this);
    m_classHint->setEnabled(false); // greyed, in any palette
    m_classes = new QTableWidget(0, 0, this);
    m_classes->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_classes->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    layout->addWidget(m_title);
    layout->addWidget(m_summary, 1);
    layout->addLayout(sourceRow);
    layout->addWidget(m_classHint);
    layout->addWidget(m_classes, 2);

    connect(m_classSource, &QComboBox::activated, this, [this] { Q_EMIT classSourceChanged(); });
}

void ComparisonView::setGroup(const QString &sweep)
{
    m_sweep = sweep;
    setClassSource(ClassSource::Group);
}

void ComparisonView::setCheckedRuns(const QList<qint64> &runIds)
{
    m_checked = runIds;
    std::sort(m_checked.begin(), m_checked.end());
    // Without a comparison group there is nothing else to show; with one, the combo box decides.
    if (!m_checked.isEmpty() && m_sweep.isEmpty())
        setClassSource(ClassSource::CheckedRuns);
}

void ComparisonView::setClassSource(ClassSource source)
{
    m_classSource->setCurrentIndex(static_cast<int>(source));
}

QString ComparisonView::classHint() const
{
    return m_classHint->isHidden() ? QString() : m_classHint->text();
}

ComparisonView::ClassSource ComparisonView::classSource() const
{
    return static_cast<ClassSource>(m_classSource->currentIndex());
}

void ComparisonView::refresh(const RunStore &store)
{
    try {
        refreshGroup(store);
        if (classSource() == ClassSource::CheckedRuns)
            refreshCheckedRuns(store);
        m_storeError->clearError();
    } catch (const StoreError &e) {
        m_storeError->showError(QString::fromUtf8(e.what()));
    }
}

void ComparisonView::refreshGroup(const RunStore &store)
{
    if (m_sweep.isEmpty()) {
        if (classSource() == ClassSource::Group)
            fillClassTable({}, {}, {}, {});
        return;
    }
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
        g.perClass << classAccuracies(store, r);
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
        m_summary->setItem(row, 6, cell(durationText(g.seconds)));
    }

    if (classSource() != ClassSource::Group)
        return;
    QList<QVector<QVector<double>>> columns;
    for (const QString &norm : order)
        columns << groups[norm].perClass;
    fillClassTable(order, {}, classNames, columns);
}

void ComparisonView::refreshCheckedRuns(const RunStore &store)
{
    QStringList names;
    QList<QColor> colors;
    QList<QVector<QVector<double>>> columns;
    std::vector<std::string> classNames;
    // A run on other classes (the synthetic set beside CIFAR-10) has no row of its own to go in:
    // its class 0 is not the first run's class 0.
    QStringList elsewhere;
    for (const qint64 id : m_checked) {
        RunRecord r;
        try {
            r = store.run(id);
        } catch (const StoreError &) {
            continue; // deleted meanwhile
        }
        if (classNames.empty())
            classNames = r.classNames;
        else if (!r.classNames.empty() && r.classNames != classNames) {
            elsewhere << tr("run %1 (%2, …)").arg(id).arg(QString::fromStdString(r.classNames.front()));
            continue;
        }
        names << QString("%1 %2").arg(id).arg(QString::fromStdString(r.name));
        colors << runColor(id);
        columns << QVector<QVector<double>> {classAccuracies(store, r)};
    }
    fillClassTable(names, colors, classNames, columns);
    if (m_checked.isEmpty()) {
        m_classHint->setText(tr("Check runs in the runs table to compare them here."));
        m_classHint->show();
    } else if (!elsewhere.isEmpty()) {
        m_classHint->setText(tr("Not shown: %1, trained on other classes than %2 (%3, …).")
                                     .arg(elsewhere.join(", "))
                                     .arg(names.isEmpty() ? QString() : names.front())
                                     .arg(QString::fromStdString(classNames.front())));
        m_classHint->show();
    }
}

// One column per entry of `columns` (each: the runs it averages); the best mean of each row bold.
void ComparisonView::fillClassTable(const QStringList &columns, const QList<QColor> &colors,
                                    const std::vector<std::string> &classNames,
                                    const QList<QVector<QVector<double>>> &perColumnRuns)
{
    m_classHint->setText(columns.isEmpty() && classSource() == ClassSource::Group
                                 ? tr("Open a comparison: Run → Compare Normalizations, or select "
                                      "one of its runs in the runs table.")
                                 : QString());
    m_classHint->setVisible(!m_classHint->text().isEmpty());
    m_classes->clear();
    m_classes->setColumnCount(static_cast<int>(columns.size()));
    m_classes->setHorizontalHeaderLabels(columns);
    for (int c = 0; c < colors.size(); ++c)
        m_classes->horizontalHeaderItem(c)->setIcon(swatch(colors[c]));
    QStringList rowNames;
    for (const std::string &n : classNames)
        rowNames << QString::fromStdString(n);
    rowNames << tr("all classes");
    m_classes->setRowCount(classNames.empty() ? 0 : static_cast<int>(rowNames.size()));
    m_classes->setVerticalHeaderLabels(rowNames);
    for (int row = 0; row < m_classes->rowCount(); ++row) {
        double best = -1;
        int bestColumn = -1;
        for (int c = 0; c < columns.size(); ++c) {
            QVector<double> values;
            for (const QVector<double> &run : perColumnRuns[c])
                if (row < run.size())
                    values << run[row];
            m_classes->setItem(row, c, cell(meanStdText(values, 1, " %")));
            if (values.isEmpty())
                continue;
            if (const double mean = meanStd(values).mean; mean > best) {
                best = mean;
                bestColumn = c;
            }
        }
        if (columns.size() > 1 && bestColumn >= 0) {
            QFont bold = m_classes->font();
            bold.setBold(true);
            m_classes->item(row, bestColumn)->setFont(bold);
        }
    }
}

} // namespace normlab::gui
