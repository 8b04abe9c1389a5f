#include "metrics_chart.h"

#include "chart_style.h"
#include "qcustomplot_include.h"
#include "smoothing.h"

#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace normlab::gui {

namespace {

constexpr int kReplotIntervalMs = 100;
constexpr double kEdgeShare = 0.03; // room at the plot's edges, so no marker is cut

// `lo..hi` widened at both ends, so the markers at the edges are drawn whole. A share of the span,
// not pixels: the fitted range must not depend on the window's size when it was computed.
QCPRange padded(double lo, double hi)
{
    if (hi <= lo) {
        const double half = std::max(std::abs(lo) * 0.05, 0.5);
        return {lo - half, hi + half};
    }
    const double pad = (hi - lo) * kEdgeShare;
    return {lo - pad, hi + pad};
}

} // namespace

MetricsChart::MetricsChart(Metric metric, QWidget *parent)
    : QWidget(parent), m_metric(metric), m_plot(new QCustomPlot(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);

    m_plot->yAxis->setLabel(metric == Metric::Loss ? tr("loss") : tr("accuracy (%)"));
    m_plot->plotLayout()->insertRow(0);
    m_title = new QCPTextElement(m_plot, metric == Metric::Loss ? tr("Loss") : tr("Accuracy"),
                                 QFont(font().family(), font().pointSize() + 1, QFont::Bold));
    m_plot->plotLayout()->addElement(0, 0, m_title);
    // The legend below the plot, in columns: inside it covered the curves.
    m_plot->axisRect()->insetLayout()->take(m_plot->legend);
    m_plot->plotLayout()->addElement(kLegendRow, 0, m_plot->legend);
    m_plot->legend->setFillOrder(QCPLegend::foColumnsFirst);
    m_plot->legend->setWrap(kLegendColumns);
    m_plot->legend->setMargins(QMargins(4, 2, 4, 2));
    m_plot->legend->setVisible(false); // shown once a run has data
    QFont small = font();
    small.setPointSizeF(font().pointSizeF() * 0.85);
    m_plot->legend->setFont(small);
    m_caption = new QCPTextElement(m_plot, QString(), small);
    m_plot->plotLayout()->addElement(3, 0, m_caption);
    m_plot->plotLayout()->setRowStretchFactor(2, 0.001);
    m_plot->plotLayout()->setRowStretchFactor(3, 0.001);
    m_emptyHint = new QCPItemText(m_plot);
    m_emptyHint->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_emptyHint->position->setCoords(0.5, 0.5);
    m_emptyHint->setFont(small);
    applyPalette();
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom | QCP::iSelectPlottables);
    m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new WholeNumberTicker));
    setXAxis(XAxis::Epoch);
    m_plot->xAxis->setRange(0, 5);
    m_plot->yAxis->setRange(0, metric == Metric::Loss ? 2.5 : 100);

    connect(m_plot, &QCustomPlot::mouseWheel, this, [this] { setAutoRange(false); });
    connect(m_plot, &QCustomPlot::mousePress, this, [this] { setAutoRange(false); });
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this] { setAutoRange(true); });
    connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent *event) {
        const std::optional<HoverPoint> point = pointAt(event->position());
        if (point)
            QToolTip::showText(event->globalPosition().toPoint(), point->text, m_plot);
        else
            QToolTip::hideText();
    });

    m_replotTimer.setInterval(kReplotIntervalMs);
    connect(&m_replotTimer, &QTimer::timeout, this, &MetricsChart::flush);
    m_replotTimer.start();
}

// QCustomPlot paints with its own pens, not the widget palette: follow the palette by hand, also
// when the desktop switches between light and dark while NormLab runs.
void MetricsChart::applyPalette()
{
    const QPalette pal = palette();
    const QColor text = pal.color(QPalette::Text);
    m_plot->setBackground(pal.color(QPalette::Base));
    for (QCPAxis *axis : {m_plot->xAxis, m_plot->yAxis}) {
        axis->setBasePen(QPen(text));
        axis->setTickPen(QPen(text));
        axis->setSubTickPen(QPen(text));
        axis->setTickLabelColor(text);
        axis->setLabelColor(text);
        axis->grid()->setPen(QPen(pal.color(QPalette::Mid), 0, Qt::DotLine));
    }
    m_title->setTextColor(text);
    m_caption->setTextColor(pal.color(QPalette::PlaceholderText));
    m_emptyHint->setColor(pal.color(QPalette::PlaceholderText));
    m_plot->legend->setBrush(pal.color(QPalette::Base));
    m_plot->legend->setBorderPen(Qt::NoPen);
    m_plot->legend->setTextColor(text);
    applyPens(); // the test markers are filled with the background
    m_plot->replot();
}

void MetricsChart::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange)
        applyPalette();
    QWidget::changeEvent(event);
}

void MetricsChart::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    const int columns = legendColumnsThatFit(m_plot->legend, m_plot->width(), kLegendColumns);
    if (columns != m_plot->legend->wrap()) {
        m_plot->legend->setWrap(columns);
        m_plot->legend->setFillOrder(QCPLegend::foColumnsFirst, true); // re-wrapped
        m_plot->replot(QCustomPlot::rpQueuedReplot);
    }
}

void MetricsChart::setRun(qint64 runId, const QString &name, const QColor &color)
{
    RunCurves &run = m_runs[runId];
    if (!run.train) {
        run.train = m_plot->addGraph();
        run.test = m_plot->addGraph();
    }
    run.color = color;
    run.name = name;
    run.train->setName(name);
    run.test->setName(name);
    run.dirty = true;
    applyPens(); // a second run makes the emphasis show
}

void MetricsChart::removeRun(qint64 runId)
{
    const auto it = m_runs.find(runId);
    if (it == m_runs.end())
        return;
    m_plot->removeGraph(it->train);
    m_plot->removeGraph(it->test);
    m_runs.erase(it);
    applyPens(); // one run left, or the selected one gone: all alike again
}

void MetricsChart::clearRuns()
{
    for (const qint64 id : runs())
        removeRun(id);
}

void MetricsChart::addTrainPoint(qint64 runId, const Position &x, double value, bool perBatch)
{
    const auto it = m_runs.find(runId);
    if (it == m_runs.end())
        return;
    if (!perBatch)
        it->smoothTrain = false;
    it->trainData.x.append(x);
    it->trainData.y.append(value);
    it->dirty = true;
}

void MetricsChart::addTestPoint(qint64 runId, const Position &at, double value)
{
    const auto it = m_runs.find(runId);
    if (it == m_runs.end())
        return;
    it->testData.x.append(at);
    it->testData.y.append(value);
    it->dirty = true;
}

int MetricsChart::trainPointCount(qint64 runId) const
{
    const auto it = m_runs.find(runId);
    return it == m_runs.end() ? 0 : static_cast<int>(it->trainData.x.size());
}

int MetricsChart::testPointCount(qint64 runId) const
{
    const auto it = m_runs.find(runId);
    return it == m_runs.end() ? 0 : static_cast<int>(it->testData.x.size());
}

void MetricsChart::setBand(const QString &key, const QString &name, const QColor &color,
                           const BandData &data)
{
    Band &band = m_bands[key];
    if (!band.mean) {
        band.upper = m_plot->addGraph();
        band.lower = m_plot->addGraph();
        band.mean = m_plot->addGraph();
        band.train = m_plot->addGraph();
        band.upper->setChannelFillGraph(band.lower);
    }
    QColor fill = color;
    fill.setAlpha(60);
    band.upper->setPen(Qt::NoPen);
    band.lower->setPen(Qt::NoPen);
    band.upper->setBrush(fill);
    band.mean->setPen(QPen(color, 2));
    band.mean->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, kMarkerSize));
    band.train->setPen(QPen(color, 1.2));
    band.name = name;
    band.mean->setName(name);
    band.data = data;
    QVector<double> upper, lower;
    for (qsizetype i = 0; i < data.mean.size(); ++i) {
        upper << data.mean[i] + data.std[i];
        lower << data.mean[i] - data.std[i];
    }
    // Bands are drawn by epoch; on the step and time axes only their members' curves mean much.
    const bool shown = m_xAxis == XAxis::Epoch;
    for (QCPGraph *g : {band.upper, band.lower, band.mean, band.train})
        g->setVisible(shown);
    band.upper->setData(data.epochs, upper, true);
    band.lower->setData(data.epochs, lower, true);
    band.mean->setData(data.epochs, data.mean, true);
    band.train->setData(data.epochs, data.trainMean, true);
    m_needsReplot = true;
}

void MetricsChart::clearBands()
{
    for (const Band &band : std::as_const(m_bands))
        for (QCPGraph *g : {band.upper, band.lower, band.mean, band.train})
            m_plot->removeGraph(g);
    m_bands.clear();
    m_needsReplot = true;
}

void MetricsChart::setRunVisible(qint64 runId, bool visible)
{
    const auto it = m_runs.find(runId);
    if (it == m_runs.end() || it->visible == visible)
        return;
    it->visible = visible;
    it->train->setVisible(visible);
    it->test->setVisible(visible);
    applyPens();
}

void MetricsChart::linkXAxis(MetricsChart *other)
{
    m_linked = other;
    other->m_linked = this;
    for (MetricsChart *chart : {this, other})
        connect(chart->m_plot->xAxis, qOverload<const QCPRange &>(&QCPAxis::rangeChanged), chart,
                [chart](const QCPRange &range) {
                    QCPAxis *axis = chart->m_linked->m_plot->xAxis;
                    if (axis->range() == range)
                        return;
                    axis->setRange(range);
                    chart->m_linked->m_plot->replot(QCustomPlot::rpQueuedReplot);
                });
}

void MetricsChart::setAutoRange(bool on)
{
    for (MetricsChart *chart : {this, m_linked}) {
        if (!chart)
            continue;
        chart->m_autoRange = on;
        chart->m_needsReplot = chart->m_needsReplot || on;
    }
}

void MetricsChart::setSmoothing(double weight)
{
    m_smoothing = weight;
    for (RunCurves &run : m_runs)
        run.dirty = true;
}

void MetricsChart::setLogScale(bool on)
{
    m_plot->yAxis->setScaleType(on ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    m_plot->yAxis->setTicker(on ? QSharedPointer<QCPAxisTicker>(new QCPAxisTickerLog)
                                : QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    m_needsReplot = true;
}

double MetricsChart::earliestTime(const RunCurves &run)
{
    double earliest = std::numeric_limits<double>::infinity();
    for (const Series *series : {&run.trainData, &run.testData})
        for (const Position &p : series->x)
            if (std::isfinite(p.unixTime))
                earliest = std::min(earliest, p.unixTime);
    return earliest;
}

void MetricsChart::flush()
{
    bool changed = m_needsReplot;
    for (auto it = m_runs.begin(); it != m_runs.end(); ++it) {
        RunCurves &run = it.value();
        if (!run.dirty)
            continue;
        // Time counts from the run's first point on either chart: the accuracy chart's first
        // point is epoch 1's end, which its own origin would have put at 0:00.
        double origin = earliestTime(run);
        if (m_linked) {
            const auto linked = m_linked->m_runs.constFind(it.key());
            if (linked != m_linked->m_runs.constEnd())
                origin = std::min(origin, earliestTime(*linked));
        }
        QVector<double> x, y;
        pointsOnAxis(run.trainData, origin, run.smoothTrain, x, y, run.trainShown);
        run.train->setData(x, y, true);
        pointsOnAxis(run.testData, origin, false, x, y, run.testShown);
        run.test->setData(x, y, true);
        run.dirty = false;
        changed = true;
    }
    if (!changed)
        return;
    m_needsReplot = false;
    rebuildLegend();
    if (m_autoRange)
        fitRanges();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

QCPRange MetricsChart::dataXRange() const
{
    // Not QCPRange's constructor: it swaps bounds given in the wrong order.
    QCPRange range;
    range.lower = std::numeric_limits<double>::infinity();
    range.upper = -std::numeric_limits<double>::infinity();
    for (int i = 0; i < m_plot->graphCount(); ++i) {
        const QCPGraph *g = m_plot->graph(i);
        if (!g->visible() || g->data()->isEmpty())
            continue;
        range.lower = std::min(range.lower, g->data()->constBegin()->key);
        range.upper = std::max(range.upper, (g->data()->constEnd() - 1)->key);
    }
    return range;
}

void MetricsChart::fitRanges()
{
    QCPRange x = dataXRange();
    if (m_linked) {
        const QCPRange other = m_linked->dataXRange();
        x.lower = std::min(x.lower, other.lower);
        x.upper = std::max(x.upper, other.upper);
    }
    if (x.lower > x.upper)
        return; // nothing drawn: keep the empty chart's range
    // Every x axis starts where training starts.
    x.lower = std::min(x.lower, 0.0);
    if (m_xAxis == XAxis::Time)
        m_plot->xAxis->setTicker(clockTicker(x.upper));
    m_plot->xAxis->setRange(padded(x.lower, x.upper));
    bool found = false;
    QCPRange values;
    for (int i = 0; i < m_plot->graphCount(); ++i) {
        QCPGraph *g = m_plot->graph(i);
        if (!g->visible())
            continue;
        bool ok = false;
        const QCPRange r = g->getValueRange(ok, QCP::sdBoth, x);
        if (!ok)
            continue;
        values = found ? QCPRange(std::min(values.lower, r.lower), std::max(values.upper, r.upper))
                       : r;
        found = true;
    }
    if (!found)
        return;
    if (m_plot->yAxis->scaleType() == QCPAxis::stLogarithmic) {
        m_plot->yAxis->setRange(values.lower / 1.1, values.upper * 1.1);
        return;
    }
    m_plot->yAxis->setRange(padded(values.lower, values.upper));
}

double MetricsChart::axisValue(const Position &p, double timeOrigin) const
{
    switch (m_xAxis) {
    case XAxis::Epoch:
        return p.epoch;
    case XAxis::Step:
        return p.step;
    case XAxis::Time:
        // Seconds, shown as a clock.
        return std::isfinite(p.trainingSeconds) ? p.trainingSeconds : p.unixTime - timeOrigin;
    }
    return p.epoch;
}

void MetricsChart::pointsOnAxis(const Series &series, double timeOrigin, bool smooth,
                                QVector<double> &x, QVector<double> &y, QVector<int> &shown) const
{
    x.clear();
    y.clear();
    shown.clear();
    // Smoothing runs along the series as recorded, before points are left out.
    const QVector<double> values = smooth ? debiasedEma(series.y, m_smoothing) : series.y;
    for (qsizetype i = 0; i < series.x.size(); ++i) {
        const double at = axisValue(series.x[i], timeOrigin);
        if (!std::isfinite(at))
            continue;
        x.append(at);
        y.append(values[i]);
        shown.append(static_cast<int>(i));
    }
}

void MetricsChart::setXAxis(XAxis axis)
{
    m_xAxis = axis;
    m_plot->xAxis->setLabel(axis == XAxis::Epoch  ? tr("epoch")
                            : axis == XAxis::Step ? tr("step (batches)")
                                                  : tr("training time (stops not counted)"));
    m_plot->xAxis->setTicker(axis == XAxis::Time
                                     ? clockTicker(0)
                                     : QSharedPointer<QCPAxisTicker>(new WholeNumberTicker));
    for (RunCurves &run : m_runs)
        run.dirty = true;
    for (const Band &band : std::as_const(m_bands))
        for (QCPGraph *g : {band.upper, band.lower, band.mean, band.train})
            g->setVisible(axis == XAxis::Epoch);
    m_autoRange = true;
    m_needsReplot = true;
}

bool MetricsChart::exportImage(const QString &path, QString *error)
{
    flush();
    return saveChart(m_plot, path, m_metric == Metric::Loss ? "Loss" : "Accuracy", error);
}

QString MetricsChart::toCsv() const
{
    QString csv = "run_id,run,series,epoch,step,unix_time,value\n";
    auto known = [](double v, int decimals) {
        return std::isfinite(v) ? QString::number(v, 'f', decimals) : QString();
    };
    auto quote = [](QString text) {
        return text.contains(',') || text.contains('"') ? '"' + text.replace('"', "\"\"") + '"'
                                                        : text;
    };
    QList<qint64> ids = m_runs.keys();
    std::sort(ids.begin(), ids.end());
    for (const qint64 id : ids) {
        const RunCurves &run = m_runs[id];
        for (const auto &[series, data] : {std::pair {QString("train"), &run.trainData},
                                           std::pair {QString("test"), &run.testData}})
            for (qsizetype i = 0; i < data->x.size(); ++i)
                csv += QString("%1,%2,%3,%4,%5,%6,%7\n")
                               .arg(id)
                               .arg(quote(run.name), series)
                               .arg(data->x[i].epoch, 0, 'g', 10)
                               .arg(known(data->x[i].step, 0), known(data->x[i].unixTime, 3))
                               .arg(data->y[i], 0, 'g', 10);
    }
    return csv;
}

} // namespace normlab::gui
