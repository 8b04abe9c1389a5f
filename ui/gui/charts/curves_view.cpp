#include "curves_view.h"

#include "store_error_banner.h"

#include "chart_style.h"
#include "elided_label.h"
#include "errors.h"
#include "metrics_chart.h"
#include "qcustomplot_include.h"
#include "run_store.h"
#include "seed_groups.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QSplitter>
#include <QVBoxLayout>

#include <limits>
#include <map>

namespace normlab::gui {

namespace {

constexpr int kSmoothingSteps = 100; // slider 0..99 -> EMA weight 0..0.99

} // namespace

CurvesView::CurvesView(QWidget *parent) : QWidget(parent)
{
    m_loss = new MetricsChart(MetricsChart::Metric::Loss);
    m_accuracy = new MetricsChart(MetricsChart::Metric::Accuracy);
    auto *charts = new QSplitter(Qt::Horizontal);
    charts->setObjectName("curvesSplitter"); // its sizes are kept across starts
    charts->addWidget(m_loss);
    charts->addWidget(m_accuracy);

    auto *smoothing = new QSlider(Qt::Horizontal);
    smoothing->setRange(0, kSmoothingSteps - 1);
    // A batch loss is recorded about every 100 ms, hundreds per epoch: at TensorBoard's 0.6 the
    // line was a band that hid the test markers.
    smoothing->setValue(90);
    smoothing->setMaximumWidth(200);
    smoothing->setMinimumWidth(80); // in a narrow window it shrank to its handle
    auto *logScale = new QCheckBox(tr("Log scale (loss)"));
    m_groupSeeds = new QCheckBox(tr("Group seeds"));
    m_groupSeeds->setToolTip(
            tr("Checked runs that differ only by seed are drawn as one mean test curve with a "
               "band of one standard deviation (mean ± std)"));
    auto *xAxis = new QComboBox;
    xAxis->addItem(tr("by epoch"), QVariant::fromValue(MetricsChart::XAxis::Epoch));
    xAxis->addItem(tr("by step"), QVariant::fromValue(MetricsChart::XAxis::Step));
    xAxis->addItem(tr("by training time"), QVariant::fromValue(MetricsChart::XAxis::Time));

    auto *controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("X axis")));
    controls->addWidget(xAxis);
    controls->addWidget(new QLabel(tr("Smoothing")));
    controls->addWidget(smoothing);
    controls->addWidget(logScale);
    controls->addWidget(m_groupSeeds);
    controls->addStretch(1);
    controls->addWidget(new ElidedLabel(tr("Drag to pan, wheel to zoom, double-click to fit")));
    // Its own line under the controls: beside them it wrapped onto four lines and made the bar
    // taller.
    m_groupNote = new QLabel;
    m_groupNote->setWordWrap(true);
    m_groupNote->hide();
    auto *layout = new QVBoxLayout(this);
    m_storeError = new StoreErrorBanner(this);
    layout->addWidget(m_storeError);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(m_groupNote);
    layout->addWidget(charts, 1);

    m_loss->linkXAxis(m_accuracy);
    updateCaptions(false);
    const QString noRun = tr("No run shown.\nTick runs in the table below, or press Train.");
    m_loss->setEmptyHint(noRun, tr("Nothing recorded yet:\nthe first batches come in a moment."));
    m_accuracy->setEmptyHint(noRun, tr("Accuracy is measured after each epoch:\nthe first "
                                       "point comes at the end of epoch 1."));

    connect(smoothing, &QSlider::valueChanged, this, [this](int v) {
        m_loss->setSmoothing(v / static_cast<double>(kSmoothingSteps));
        m_accuracy->setSmoothing(v / static_cast<double>(kSmoothingSteps));
    });
    connect(logScale, &QCheckBox::toggled, m_loss, &MetricsChart::setLogScale);
    connect(m_groupSeeds, &QCheckBox::toggled, this, &CurvesView::updateSeedGroups);
    connect(m_groupSeeds, &QCheckBox::toggled, this, &CurvesView::groupSeedsChanged);
    connect(xAxis, &QComboBox::currentIndexChanged, this, [this, xAxis](int index) {
        const auto axis = xAxis->itemData(index).value<MetricsChart::XAxis>();
        m_loss->setXAxis(axis);
        m_accuracy->setXAxis(axis);
    });
}

void CurvesView::showRuns(const RunStore &store, const QList<qint64> &runs)
{
    m_store = &store;
    m_shown = runs;
    for (MetricsChart *chart : {m_loss, m_accuracy})
        for (const qint64 id : chart->runs())
            if (!runs.contains(id))
                chart->removeRun(id);
    try {
        for (const qint64 id : runs)
            if (!m_loss->hasRun(id))
                loadRun(id);
        updateSeedGroups();
        m_storeError->clearError();
    } catch (const StoreError &e) {
        m_storeError->showError(QString::fromUtf8(e.what()));
    }
}

void CurvesView::removeRun(qint64 runId)
{
    m_shown.removeAll(runId);
    m_clocks.remove(runId);
    m_loss->removeRun(runId);
    m_accuracy->removeRun(runId);
}

// Live and reloaded runs are drawn from the same points: the batches the store records are the ones
// the trainer reports here, and train accuracy is the epoch's, as the store keeps it.
void CurvesView::addBatch(qint64 runId, const BatchProgress &p)
{
    TrainingClock &clock = m_clocks[runId];
    clock.addSpan(p.wallTime - p.epochSeconds, p.wallTime);
    const MetricsChart::Position at {(p.epoch - 1) + static_cast<double>(p.batch) / p.batches,
                                     static_cast<double>(p.step), p.wallTime, clock.at(p.wallTime)};
    m_lastStep[runId] = p.step;
    m_loss->addTrainPoint(runId, at, p.batchLoss);
}

void CurvesView::addEpoch(qint64 runId, const EpochMetrics &m)
{
    TrainingClock &clock = m_clocks[runId];
    clock.addSpan(m.wallTime - m.seconds, m.wallTime);
    const MetricsChart::Position at {static_cast<double>(m.epoch),
                                     static_cast<double>(m_lastStep.value(runId)), m.wallTime,
                                     clock.at(m.wallTime)};
    m_accuracy->addTrainPoint(runId, at, m.trainAccuracy, false);
    m_loss->addTestPoint(runId, at, m.testLoss);
    m_accuracy->addTestPoint(runId, at, m.testAccuracy);
    if (m_groupSeeds->isChecked()) {
        try {
            updateSeedGroups();
        } catch (const StoreError &e) {
            m_storeError->showError(QString::fromUtf8(e.what()));
        }
    }
}

void CurvesView::setEmphasis(qint64 runId)
{
    m_loss->setEmphasis(runId);
    m_accuracy->setEmphasis(runId);
}

void CurvesView::setGroupSeeds(bool on)
{
    m_groupSeeds->setChecked(on);
}

void CurvesView::loadRun(qint64 runId)
{
    // A store that cannot be read throws on to showRuns, which says so above the charts.
    const RunRecord record = m_store->run(runId);
    const QString name = QString("%1 %2").arg(runId).arg(QString::fromStdString(record.name));
    const QColor color = runColor(runId);
    m_loss->setRun(runId, name, color);
    m_accuracy->setRun(runId, name, color);
    // What is recorded so far; a run in training continues from the live signals.
    const std::vector<BatchPoint> batches = m_store->batches(runId);
    const std::vector<EpochMetrics> epochs = m_store->epochs(runId);
    TrainingClock &clock = m_clocks[runId];
    clock = {};
    for (const EpochMetrics &m : epochs)
        clock.addSpan(m.wallTime - m.seconds, m.wallTime);
    // The epoch in training has no recorded seconds yet: its batches span it so far.
    const int lastEpoch = epochs.empty() ? 0 : epochs.back().epoch;
    std::map<int, std::pair<double, double>> unfinished; // epoch -> first and last batch
    for (const BatchPoint &b : batches)
        if (b.epoch > lastEpoch) {
            auto [it, added] = unfinished.try_emplace(b.epoch, b.wallTime, b.wallTime);
            it->second = {std::min(it->second.first, b.wallTime),
                          std::max(it->second.second, b.wallTime)};
        }
    for (const auto &[epoch, span] : unfinished)
        clock.addSpan(span.first, span.second);
    std::int64_t stepsPerEpoch = 0;
    for (const BatchPoint &b : batches)
        if (b.epoch == 1)
            stepsPerEpoch = std::max(stepsPerEpoch, b.step);
    // The same arithmetic as addBatch, so a reloaded run lands on the very same x.
    for (const BatchPoint &b : batches)
        if (stepsPerEpoch > 0) {
            const auto batch = static_cast<double>(b.step - (b.epoch - 1) * stepsPerEpoch);
            m_loss->addTrainPoint(runId,
                                  {(b.epoch - 1) + batch / static_cast<double>(stepsPerEpoch),
                                   static_cast<double>(b.step), b.wallTime, clock.at(b.wallTime)},
                                  b.loss);
        }
    for (const EpochMetrics &m : epochs) {
        const MetricsChart::Position at {static_cast<double>(m.epoch),
                                         stepsPerEpoch > 0
                                                 ? static_cast<double>(stepsPerEpoch * m.epoch)
                                                 : std::numeric_limits<double>::quiet_NaN(),
                                         m.wallTime, clock.at(m.wallTime)};
        if (stepsPerEpoch == 0)
            m_loss->addTrainPoint(runId, at, m.trainLoss, false);
        m_accuracy->addTrainPoint(runId, at, m.trainAccuracy, false);
        m_loss->addTestPoint(runId, at, m.testLoss);
        m_accuracy->addTestPoint(runId, at, m.testAccuracy);
    }
}

// What the lines mean: a seed group's thin line is the mean of its runs' per-epoch training
// values, not a batch's loss.
void CurvesView::updateCaptions(bool grouped)
{
    if (!grouped) {
        m_loss->setCaption(tr("thin line: train loss of the latest batch (smoothed) · markers: "
                              "test loss after each epoch"));
        m_accuracy->setCaption(tr("thin line: train accuracy over each epoch · markers: test "
                                  "accuracy after each epoch"));
        return;
    }
    m_loss->setCaption(tr("seed groups: thin line, the seeds' mean train loss of each epoch · "
                          "band: test loss mean ± std\nsingle runs: thin line, train loss of the "
                          "latest batch (smoothed) · markers: test loss"));
    m_accuracy->setCaption(tr("seed groups: thin line, the seeds' mean train accuracy of each "
                              "epoch · band: test accuracy mean ± std\nsingle runs: thin line, "
                              "train accuracy over each epoch · markers: test accuracy"));
}

void CurvesView::updateSeedGroups()
{
    m_loss->clearBands();
    m_accuracy->clearBands();
    for (const qint64 id : m_shown) {
        m_loss->setRunVisible(id, true);
        m_accuracy->setRunVisible(id, true);
    }
    m_groupNote->hide();
    updateCaptions(false);
    if (!m_groupSeeds->isChecked() || !m_store)
        return;
    const SeedGrouping grouping = seedGroups(*m_store, m_shown);
    for (const SeedGroup &g : grouping.groups) {
        const QString name = tr("%1 (%2 seeds, mean ± std)").arg(g.name()).arg(g.seedCount());
        const QColor color = runColor(g.members.front().id);
        for (const RunRecord &r : g.members) {
            m_loss->setRunVisible(r.id, false);
            m_accuracy->setRunVisible(r.id, false);
        }
        m_loss->setBand(
                g.key, name, color,
                {g.epochs, g.testLoss.mean, g.testLoss.std, g.trainLoss.mean, g.seedCount()});
        m_accuracy->setBand(g.key, name, color,
                            {g.epochs, g.testAccuracy.mean, g.testAccuracy.std,
                             g.trainAccuracy.mean, g.seedCount()});
    }
    updateCaptions(!grouping.groups.empty());
    m_groupNote->setText(grouping.explanation());
    m_groupNote->setVisible(!m_groupNote->text().isEmpty());
}

QStringList CurvesView::exportImages(const QString &basePath, QString *error)
{
    const QFileInfo info(basePath);
    const QString suffix = info.suffix().isEmpty() ? QString("png") : info.suffix();
    const QString stem = info.path() + "/" + info.completeBaseName();
    QStringList written;
    for (const auto &[chart, name] :
         {std::pair {m_loss, QString("loss")}, std::pair {m_accuracy, QString("accuracy")}}) {
        const QString path = QString("%1-%2.%3").arg(stem, name, suffix);
        if (!chart->exportImage(path, error))
            return written;
        written << path;
    }
    return written;
}

QString CurvesView::toCsv() const
{
    return "# loss\n" + m_loss->toCsv() + "# accuracy\n" + m_accuracy->toCsv();
}

} // namespace normlab::gui
