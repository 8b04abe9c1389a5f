#include "comparison_view.h"

#include "store_error_banner.h"

#include "elided_label.h"

#include "durations.h"

#include "errors.h"
#include "norm_comparison.h"
#include "run_summary.h"
#include "run_palette.h"
#include "seed_groups.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QPushButton>
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

QString meanStdText(const std::vector<double> &values, int decimals, const std::string &unit = {})
{
    return values.empty() ? QString("–")
                          : QString::fromStdString(formatMeanStd(values, decimals, unit));
}

// "12:05" or "12:05 ± 0:31", as durations are written everywhere.
QString durationText(const std::vector<double> &seconds)
{
    if (seconds.empty())
        return "–";
    const MeanStd s = normlab::meanStd(seconds);
    const QString mean = QString::fromStdString(formatDuration(s.mean));
    return seconds.size() > 1 ? mean + " ± " + QString::fromStdString(formatDuration(s.std)) : mean;
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
    m_classSource->addItem(tr("this comparison's normalizations (mean ± std over seeds)"),
                           QVariant::fromValue(ClassSource::Group));
    m_classSource->addItem(tr("the runs checked in the runs table"),
                           QVariant::fromValue(ClassSource::CheckedRuns));
    // Both give way before the window does: the long item made the window wider.
    m_classSource->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_classSource->setMinimumContentsLength(24);
    m_classSource->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    sourceRow->addWidget(new ElidedLabel(tr("Per-class test accuracy at the last epoch of"), this));
    sourceRow->addWidget(m_classSource, 1);
    m_classHint = new QLabel(this);
    m_classHint->setEnabled(false); // greyed, in any palette
    m_classes = new QTableWidget(0, 0, this);
    m_classes->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_classes->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_report = new QPushButton(tr("Export Report…"), this);
    m_report->setToolTip(tr("A write-up of this comparison's runs, as HTML or Markdown"));
    m_report->setEnabled(false); // until a comparison is open
    connect(m_report, &QPushButton::clicked, this, [this] { Q_EMIT reportRequested(m_sweep); });
    auto *titleRow = new QHBoxLayout;
    titleRow->addWidget(m_title, 1);
    titleRow->addWidget(m_report, 0, Qt::AlignTop);
    layout->addLayout(titleRow);
    layout->addWidget(m_summary, 1);
    layout->addLayout(sourceRow);
    layout->addWidget(m_classHint);
    layout->addWidget(m_classes, 2);

    connect(m_classSource, &QComboBox::activated, this, [this] { Q_EMIT classSourceChanged(); });
}

void ComparisonView::setGroup(const QString &sweep)
{
    m_sweep = sweep;
    m_report->setEnabled(!sweep.isEmpty());
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
    m_classSource->setCurrentIndex(m_classSource->findData(QVariant::fromValue(source)));
}

QString ComparisonView::classHint() const
{
    return m_classHint->isHidden() ? QString() : m_classHint->text();
}

ComparisonView::ClassSource ComparisonView::classSource() const
{
    return m_classSource->currentData().value<ClassSource>();
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
    const SweepComparison comparison = compareSweep(store, m_sweep.toStdString());
    int runs = 0;
    for (const NormGroup &g : comparison.groups)
        runs += g.runs;
    m_title->setText(tr("Comparison %1: %2 runs").arg(m_sweep).arg(runs));

    m_summary->setRowCount(static_cast<int>(comparison.groups.size()));
    QStringList norms;
    std::vector<std::vector<std::vector<double>>> columns;
    for (int row = 0; row < m_summary->rowCount(); ++row) {
        const NormGroup &g = comparison.groups[row];
        norms << QString::fromStdString(g.norm);
        columns.push_back(g.classAccuracies);
        m_summary->setItem(row, 0, cell(norms.back(), false));
        m_summary->setItem(row, 1, cell(QString("%1/%2").arg(g.finished).arg(g.runs)));
        m_summary->setItem(row, 2, cell(meanStdText(g.bestAccuracy, 2, " %")));
        m_summary->setItem(row, 3,
                           cell(meanStdText(g.bestEpoch, g.bestEpoch.size() > 1 ? 1 : 0)));
        m_summary->setItem(row, 4, cell(meanStdText(g.lastAccuracy, 2, " %")));
        m_summary->setItem(row, 5,
                           cell(g.parameterCount
                                        ? QLocale().toString(
                                                  static_cast<qlonglong>(g.parameterCount))
                                        : "–"));
        m_summary->setItem(row, 6, cell(durationText(g.trainingSeconds)));
    }

    if (classSource() == ClassSource::Group)
        fillClassTable(norms, {}, comparison.classNames, columns);
}

void ComparisonView::refreshCheckedRuns(const RunStore &store)
{
    QStringList names;
    QList<QColor> colors;
    std::vector<std::vector<std::vector<double>>> columns;
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
        columns.push_back({classAccuracies(store, r)});
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
                                    const std::vector<std::vector<std::vector<double>>> &perColumnRuns)
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
    const ClassTable table = normlab::classTable(classNames.size(), perColumnRuns);
    m_classes->setRowCount(static_cast<int>(table.cells.size()));
    m_classes->setVerticalHeaderLabels(rowNames);
    QFont bold = m_classes->font();
    bold.setBold(true);
    for (int row = 0; row < m_classes->rowCount(); ++row) {
        for (int c = 0; c < m_classes->columnCount(); ++c)
            m_classes->setItem(row, c, cell(meanStdText(table.cells[row][c].values, 1, " %")));
        if (const int best = table.bestColumn[row]; best >= 0)
            m_classes->item(row, best)->setFont(bold);
    }
}

} // namespace normlab::gui
