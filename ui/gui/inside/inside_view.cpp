#include "inside_view.h"

#include "layer_heat_map.h"
#include "layer_profile_plot.h"
#include "ridge_plot.h"

#include "elided_label.h"
#include "errors.h"
#include "layer_stat_table.h"
#include "run_palette.h"
#include "run_store.h"
#include "statistics.h"
#include "store_error_banner.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace normlab::gui {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

QString statName(LayerStat stat)
{
    return QString::fromUtf8(layerStatName(stat).data(),
                             static_cast<qsizetype>(layerStatName(stat).size()));
}

QString statDescription(LayerStat stat)
{
    return QString::fromUtf8(layerStatDescription(stat).data(),
                             static_cast<qsizetype>(layerStatDescription(stat).size()));
}

// The index of the last epoch at or before `epoch`, or -1.
int columnAtOrBefore(const LayerStatTable &table, int epoch)
{
    int found = -1;
    for (std::size_t i = 0; i < table.epochs.size(); ++i)
        if (table.epochs[i] <= epoch)
            found = static_cast<int>(i);
    return found;
}

QStringList layerNames(const LayerStatTable &table)
{
    QStringList names;
    for (const std::string &n : table.layers)
        names << QString::fromStdString(n);
    return names;
}

} // namespace

InsideView::InsideView(QWidget *parent) : QWidget(parent)
{
    m_stat = new QComboBox;
    for (int i = 0; i < kLayerStatCount; ++i) {
        const auto stat = static_cast<LayerStat>(i);
        m_stat->addItem(statName(stat), i);
        m_stat->setItemData(i, statDescription(stat), Qt::ToolTipRole);
    }
    m_stat->setCurrentIndex(static_cast<int>(LayerStat::OutputStd));
    m_run = new QComboBox;
    // Narrow enough that the tab fits a 1,024 px window; the names are elided, the tooltip whole.
    m_run->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_run->setMinimumContentsLength(10);
    m_run->setMaximumWidth(360);
    m_run->setToolTip(tr("The run whose heat map and histograms are shown"));
    m_layer = new QComboBox;
    m_layer->setToolTip(tr("The conv block whose output histograms are stacked"));
    m_epoch = new QSlider(Qt::Horizontal);
    m_epoch->setRange(1, 1);
    m_epoch->setMinimumWidth(80);
    m_epoch->setMaximumWidth(240);
    m_epoch->setToolTip(tr("The epoch the per-layer lines show"));
    m_epochLabel = new QLabel;
    m_log = new QCheckBox(tr("Log scale"));
    m_log->setToolTip(tr("Logarithmic colours and y axis, where every value is positive "
                         "(gradient norms and update ratios span decades)"));

    // Two rows, so that the tab fits a 1,024 px window beside the form.
    auto *which = new QHBoxLayout;
    which->addWidget(new QLabel(tr("Statistic")));
    which->addWidget(m_stat);
    which->addWidget(new QLabel(tr("Run")));
    which->addWidget(m_run, 1);
    which->addWidget(m_log);
    which->addStretch(1);
    auto *where = new QHBoxLayout;
    where->addWidget(new QLabel(tr("Epoch")));
    where->addWidget(m_epoch);
    where->addWidget(m_epochLabel);
    where->addWidget(new QLabel(tr("Layer")));
    where->addWidget(m_layer);
    where->addStretch(1);
    m_hint = new ElidedLabel;
    m_heatMap = new LayerHeatMap;
    m_profile = new LayerProfilePlot;
    m_ridge = new RidgePlot;
    auto *plots = new QSplitter(Qt::Horizontal);
    plots->setObjectName("insideSplitter"); // its sizes are kept across starts
    plots->addWidget(m_heatMap);
    plots->addWidget(m_profile);
    plots->addWidget(m_ridge);
    plots->setChildrenCollapsible(false);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_storeError = new StoreErrorBanner(this);
    layout->addWidget(m_storeError);
    layout->addLayout(which);
    layout->addLayout(where);
    layout->addWidget(m_hint);
    layout->addWidget(plots, 1);

    m_redrawTimer.setSingleShot(true);
    m_redrawTimer.setInterval(kRedrawIntervalMs);
    connect(&m_redrawTimer, &QTimer::timeout, this, &InsideView::redraw);
    // A person's choice redraws at once; only live data waits for the timer.
    for (QComboBox *box : {m_stat, m_run, m_layer})
        connect(box, &QComboBox::currentIndexChanged, this, &InsideView::redraw);
    connect(m_epoch, &QSlider::valueChanged, this, &InsideView::redraw);
    connect(m_log, &QCheckBox::toggled, this, &InsideView::redraw);
    redraw();
}

void InsideView::showRuns(const RunStore &store, const QList<qint64> &runs)
{
    m_store = &store;
    m_shown = runs;
    for (const qint64 id : m_runs.keys())
        if (!runs.contains(id))
            m_runs.remove(id);
    try {
        for (const qint64 id : runs)
            if (!m_runs.contains(id))
                loadRun(id);
        m_groups.clear();
        if (m_groupSeeds)
            m_groups = seedGroups(store, runs).groups;
        m_storeError->clearError();
    } catch (const StoreError &e) {
        m_storeError->showError(QString::fromUtf8(e.what()));
    }
    if (isVisible())
        redraw();
    else
        m_stale = true;
}

void InsideView::loadRun(qint64 runId)
{
    // A store that cannot be read throws on to the caller, which says so above the plots.
    const RunRecord record = m_store->run(runId);
    RunLayers &run = m_runs[runId];
    run.name = QString("%1 %2").arg(runId).arg(QString::fromStdString(record.name));
    run.samples = m_store->layerStats(runId);
    run.histograms = m_store->layerHistograms(runId);
}

void InsideView::reloadRun(qint64 runId)
{
    if (!m_store || !m_shown.contains(runId))
        return;
    try {
        loadRun(runId);
    } catch (const StoreError &e) {
        m_storeError->showError(QString::fromUtf8(e.what()));
    }
    scheduleRedraw();
}

void InsideView::addLayerStats(qint64 runId, const LayerStatsSample &sample)
{
    auto run = m_runs.find(runId);
    if (run == m_runs.end())
        return;
    // The store may already hold it (committed before the view loaded the run): keep one.
    std::vector<LayerStatsSample> &samples = run->samples;
    const auto same = std::find_if(samples.rbegin(), samples.rend(), [&](const auto &s) {
        return s.epoch == sample.epoch && s.step == sample.step;
    });
    if (same != samples.rend())
        *same = sample;
    else
        samples.push_back(sample);
    scheduleRedraw();
}

void InsideView::addLayerHistograms(qint64 runId, const std::vector<LayerHistogram> &histograms)
{
    auto run = m_runs.find(runId);
    if (run == m_runs.end())
        return;
    std::vector<LayerHistogram> &kept = run->histograms;
    for (const LayerHistogram &h : histograms) {
        const auto same = std::find_if(kept.begin(), kept.end(), [&](const auto &k) {
            return k.epoch == h.epoch && k.layer == h.layer;
        });
        if (same != kept.end())
            *same = h;
        else
            kept.push_back(h);
    }
    scheduleRedraw();
}

void InsideView::setGroupSeeds(bool on)
{
    m_groupSeeds = on;
    if (m_store)
        showRuns(*m_store, m_shown);
}

void InsideView::scheduleRedraw()
{
    if (!isVisible()) {
        m_stale = true; // drawn when the tab is shown
        return;
    }
    if (!m_redrawTimer.isActive())
        m_redrawTimer.start();
}

void InsideView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_stale)
        redraw();
}

LayerStat InsideView::currentStat() const
{
    return static_cast<LayerStat>(std::max(0, m_stat->currentData().toInt()));
}

qint64 InsideView::currentRun() const
{
    return m_run->currentIndex() >= 0 ? m_run->currentData().toLongLong() : -1;
}

// The run, layer and epoch choices follow the runs shown and what they have recorded so far.
void InsideView::updateChoices()
{
    const QSignalBlocker blockRun(m_run), blockLayer(m_layer), blockEpoch(m_epoch);
    const qint64 run = currentRun();
    m_run->clear();
    for (const qint64 id : m_shown)
        if (m_runs.contains(id))
            m_run->addItem(m_runs[id].name, id);
    const int again = m_run->findData(run);
    m_run->setCurrentIndex(again >= 0 ? again : m_run->count() - 1); // the newest run at first

    const QString layer = m_layer->currentText();
    m_layer->clear();
    if (m_runs.contains(currentRun()))
        for (const QString &name :
             layerNames(layerStatTable(m_runs[currentRun()].samples, LayerStat::OutputStd)))
            m_layer->addItem(name);
    const int sameLayer = m_layer->findText(layer);
    m_layer->setCurrentIndex(sameLayer >= 0 ? sameLayer : m_layer->count() - 1);

    int last = 1;
    for (const RunLayers &r : m_runs)
        for (const LayerStatsSample &s : r.samples)
            last = std::max(last, s.epoch);
    const bool following = m_epoch->value() == m_epoch->maximum();
    m_epoch->setRange(1, last);
    if (following)
        m_epoch->setValue(last); // at the newest epoch, it stays there as epochs arrive
    m_epochLabel->setText(tr("%1 of %2").arg(m_epoch->value()).arg(last));
}

void InsideView::redraw()
{
    ++m_redraws;
    m_stale = false;
    m_redrawTimer.stop();
    updateChoices();
    const LayerStat stat = currentStat();
    const bool log = m_log->isChecked();
    m_hint->setText(
            tr("%1: %2 (%3)")
                    .arg(statName(stat), statDescription(stat),
                         layerStatFromTrainingSteps(stat)
                                 ? tr("mean of each epoch's sampled training batches")
                                 : tr("on each epoch's probe batch, the net as evaluated")));
    drawHeatMap(stat, log);
    drawProfiles(stat, log);
    drawRidges();
}

void InsideView::drawHeatMap(LayerStat stat, bool log)
{
    const qint64 id = currentRun();
    if (id < 0) {
        m_heatMap->showMessage(tr("Tick runs in the table below\nto look inside them"));
        return;
    }
    const RunLayers &run = m_runs[id];
    if (run.samples.empty()) {
        m_heatMap->showMessage(tr("Run %1 has no per-layer statistics:\nit was recorded before "
                                  "NormLab kept them,\nor its first epoch is still training")
                                       .arg(id));
        return;
    }
    m_heatMap->setTable(layerStatTable(run.samples, stat),
                        tr("%1 of run %2, layer × epoch").arg(statName(stat), run.name), log);
}

void InsideView::drawProfiles(LayerStat stat, bool log)
{
    const int epoch = m_epoch->value();
    QList<LayerProfile> profiles;
    QStringList layers;
    QList<qint64> grouped;
    auto keepLayers = [&layers](const LayerStatTable &t) {
        if (t.layers.size() > static_cast<std::size_t>(layers.size()))
            layers = layerNames(t);
    };
    for (const SeedGroup &g : m_groups) {
        std::vector<std::vector<double>> perLayer; // [layer][member]
        for (const RunRecord &member : g.members) {
            grouped << member.id;
            if (!m_runs.contains(member.id))
                continue;
            const LayerStatTable t = layerStatTable(m_runs[member.id].samples, stat);
            const int column = columnAtOrBefore(t, epoch);
            if (column < 0)
                continue;
            keepLayers(t);
            const std::vector<double> values = t.column(static_cast<std::size_t>(column));
            perLayer.resize(std::max(perLayer.size(), values.size()));
            for (std::size_t l = 0; l < values.size(); ++l)
                if (std::isfinite(values[l]))
                    perLayer[l].push_back(values[l]);
        }
        if (perLayer.empty())
            continue;
        LayerProfile p;
        p.name = tr("%1 (%2 seeds)").arg(g.name()).arg(g.seedCount());
        p.markerRun = g.members.front().id;
        p.color = runColor(p.markerRun);
        for (const std::vector<double> &values : perLayer) {
            const MeanStd m = values.empty() ? MeanStd {kNaN, kNaN} : normlab::meanStd(values);
            p.values.append(m.mean);
            p.std.append(values.empty() ? kNaN : m.std);
        }
        profiles.append(p);
    }
    for (const qint64 id : m_shown) {
        if (grouped.contains(id) || !m_runs.contains(id))
            continue;
        const LayerStatTable t = layerStatTable(m_runs[id].samples, stat);
        const int column = columnAtOrBefore(t, epoch);
        if (column < 0)
            continue;
        keepLayers(t);
        LayerProfile p;
        const int shownEpoch = t.epochs[static_cast<std::size_t>(column)];
        p.name = shownEpoch == epoch ? m_runs[id].name
                                     : tr("%1 (epoch %2)").arg(m_runs[id].name).arg(shownEpoch);
        p.markerRun = id;
        p.color = runColor(id);
        for (const double v : t.column(static_cast<std::size_t>(column)))
            p.values.append(v);
        profiles.append(p);
    }
    if (m_shown.isEmpty()) {
        m_profile->showMessage(tr("Tick runs in the table below\nto compare them layer by layer"));
        return;
    }
    m_profile->setProfiles(layers, profiles,
                           tr("%1 per layer at epoch %2").arg(statName(stat)).arg(epoch),
                           statName(stat), log);
}

void InsideView::drawRidges()
{
    const qint64 id = currentRun();
    if (id < 0 || m_layer->currentIndex() < 0) {
        m_ridge->showMessage(id < 0 ? tr("Tick runs in the table below\nto look inside them")
                                    : tr("No histograms yet: one is recorded\nat each epoch's "
                                         "end"));
        return;
    }
    const int layer = m_layer->currentIndex();
    std::vector<LayerHistogram> histograms;
    for (const LayerHistogram &h : m_runs[id].histograms)
        if (h.layer == layer)
            histograms.push_back(h);
    m_ridge->setHistograms(
            histograms,
            tr("%1 output by epoch, run %2").arg(m_layer->currentText(), m_runs[id].name));
}

} // namespace normlab::gui
