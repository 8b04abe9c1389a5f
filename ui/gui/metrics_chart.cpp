#include "metrics_chart.h"

#include "qcustomplot_include.h"
#include "smoothing.h"

#include <QFileInfo>
#include <QSvgGenerator>
#include <QToolTip>
#include <QVBoxLayout>

#include <cmath>

namespace normlab::gui {

namespace {

constexpr int kReplotIntervalMs = 100;

} // namespace

MetricsChart::MetricsChart(Metric metric, QWidget *parent)
    : QWidget(parent), m_metric(metric), m_plot(new QCustomPlot(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);

    m_plot->xAxis->setLabel(tr("epoch"));
    m_plot->yAxis->setLabel(metric == Metric::Loss ? tr("loss") : tr("accuracy (%)"));
    m_plot->plotLayout()->insertRow(0);
    m_title = new QCPTextElement(m_plot, metric == Metric::Loss ? tr("Loss") : tr("Accuracy"),
                                 QFont(font().family(), font().pointSize() + 1, QFont::Bold));
    m_plot->plotLayout()->addElement(0, 0, m_title);
    m_plot->legend->setVisible(false); // shown once a run is on the chart
    applyPalette();
    QFont legendFont = font();
    legendFont.setPointSizeF(font().pointSizeF() * 0.85);
    m_plot->legend->setFont(legendFont);
    m_plot->axisRect()->insetLayout()->setInsetAlignment(
            0, metric == Metric::Loss ? (Qt::AlignTop | Qt::AlignRight)
                                      : (Qt::AlignBottom | Qt::AlignRight));
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom | QCP::iSelectPlottables);
    m_plot->xAxis->setRange(0, 1);
    m_plot->yAxis->setRange(0, metric == Metric::Loss ? 2.5 : 100);

    connect(m_plot, &QCustomPlot::mouseWheel, this, [this] { m_autoRange = false; });
    connect(m_plot, &QCustomPlot::mousePress, this, [this] { m_autoRange = false; });
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this] {
        m_autoRange = true;
        m_needsReplot = true;
    });

    // Hover: the nearest point of the curve under the mouse, as a tooltip.
    connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent *event) {
        const QPointF pos = event->position();
        QCPGraph *nearest = nullptr;
        double nearestDistance = 8; // pixels
        for (int i = 0; i < m_plot->graphCount(); ++i) {
            QCPGraph *graph = m_plot->graph(i);
            const double d = graph->selectTest(pos, false);
            if (d >= 0 && d < nearestDistance) {
                nearestDistance = d;
                nearest = graph;
            }
        }
        if (!nearest || nearest->data()->isEmpty()) {
            QToolTip::hideText();
            return;
        }
        const double x = m_plot->xAxis->pixelToCoord(pos.x());
        auto it = nearest->data()->findBegin(x);
        if (it == nearest->data()->constEnd())
            --it;
        QToolTip::showText(event->globalPosition().toPoint(),
                           tr("%1\nepoch %2: %3")
                                   .arg(nearest->name())
                                   .arg(it->key, 0, 'f', 2)
                                   .arg(it->value, 0, 'g', 5),
                           m_plot);
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
    m_plot->legend->setBrush(pal.color(QPalette::Base));
    m_plot->legend->setBorderPen(QPen(pal.color(QPalette::Mid)));
    m_plot->legend->setTextColor(text);
    m_plot->replot();
}

void MetricsChart::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange)
        applyPalette();
    QWidget::changeEvent(event);
}

void MetricsChart::setRun(qint64 runId, const QString &name, const QColor &color)
{
    RunCurves &run = m_runs[runId];
    if (!run.train) {
        run.train = m_plot->addGraph();
        run.test = m_plot->addGraph();
        run.test->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
    }
    QColor light = color;
    light.setAlpha(150);
    run.train->setPen(QPen(light, 1));
    run.test->setPen(QPen(color, 2));
    run.name = name;
    run.train->setName(name + tr(" train"));
    run.test->setName(name + tr(" test"));
    m_needsReplot = true;
}

void MetricsChart::removeRun(qint64 runId)
{
    const auto it = m_runs.find(runId);
    if (it == m_runs.end())
        return;
    m_plot->removeGraph(it->train);
    m_plot->removeGraph(it->test);
    m_runs.erase(it);
    m_needsReplot = true;
}

void MetricsChart::clearRuns()
{
    m_plot->clearGraphs();
    m_runs.clear();
    m_needsReplot = true;
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
                           const QVector<double> &epochs, const QVector<double> &mean,
                           const QVector<double> &std)
{
    Band &band = m_bands[key];
    if (!band.mean) {
        band.upper = m_plot->addGraph();
        band.lower = m_plot->addGraph();
        band.mean = m_plot->addGraph();
        band.upper->removeFromLegend();
        band.lower->removeFromLegend();
        band.upper->setChannelFillGraph(band.lower);
    }
    QColor fill = color;
    fill.setAlpha(60);
    band.upper->setPen(Qt::NoPen);
    band.lower->setPen(Qt::NoPen);
    band.upper->setBrush(fill);
    band.mean->setPen(QPen(color, 2));
    band.mean->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 5));
    band.mean->setName(name);
    QVector<double> upper, lower;
    for (qsizetype i = 0; i < mean.size(); ++i) {
        upper << mean[i] + std[i];
        lower << mean[i] - std[i];
    }
    band.upper->setData(epochs, upper, true);
    band.lower->setData(epochs, lower, true);
    band.mean->setData(epochs, mean, true);
    m_needsReplot = true;
}

void MetricsChart::clearBands()
{
    for (const Band &band : std::as_const(m_bands)) {
        m_plot->removeGraph(band.upper);
        m_plot->removeGraph(band.lower);
        m_plot->removeGraph(band.mean);
    }
    m_bands.clear();
    m_needsReplot = true;
}

void MetricsChart::setRunVisible(qint64 runId, bool visible)
{
    const auto it = m_runs.find(runId);
    if (it == m_runs.end())
        return;
    for (QCPGraph *graph : {it->train, it->test}) {
        graph->setVisible(visible);
        visible ? (void)graph->addToLegend() : (void)graph->removeFromLegend();
    }
    m_needsReplot = true;
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

void MetricsChart::flush()
{
    bool changed = m_needsReplot;
    for (RunCurves &run : m_runs) {
        if (!run.dirty)
            continue;
        double origin = std::numeric_limits<double>::infinity();
        for (const Series *series : {&run.trainData, &run.testData})
            for (const Position &p : series->x)
                if (std::isfinite(p.unixTime))
                    origin = std::min(origin, p.unixTime);
        QVector<double> x, y;
        pointsOnAxis(run.trainData, origin, run.smoothTrain, x, y);
        run.train->setData(x, y, true);
        pointsOnAxis(run.testData, origin, false, x, y);
        run.test->setData(x, y, true);
        run.dirty = false;
        changed = true;
    }
    if (!changed)
        return;
    m_needsReplot = false;
    m_plot->legend->setVisible(!m_runs.isEmpty() || !m_bands.isEmpty());
    if (m_autoRange && !m_runs.isEmpty()) {
        m_plot->rescaleAxes(true); // visible curves only: members of a band are hidden
        if (m_metric == Metric::Accuracy)
            m_plot->yAxis->setRange(std::max(0.0, m_plot->yAxis->range().lower - 2),
                                    std::min(100.0, m_plot->yAxis->range().upper + 2));
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void MetricsChart::pointsOnAxis(const Series &series, double timeOrigin, bool smooth,
                                QVector<double> &x, QVector<double> &y) const
{
    x.clear();
    y.clear();
    // Smoothing runs along the series as recorded, before points are left out.
    const QVector<double> values = smooth ? debiasedEma(series.y, m_smoothing) : series.y;
    for (qsizetype i = 0; i < series.x.size(); ++i) {
        const Position &p = series.x[i];
        const double at = m_xAxis == XAxis::Epoch  ? p.epoch
                          : m_xAxis == XAxis::Step ? p.step
                                                   : (p.unixTime - timeOrigin) / 60.0;
        if (!std::isfinite(at))
            continue;
        x.append(at);
        y.append(values[i]);
    }
}

void MetricsChart::setXAxis(XAxis axis)
{
    m_xAxis = axis;
    m_plot->xAxis->setLabel(axis == XAxis::Epoch  ? tr("epoch")
                            : axis == XAxis::Step ? tr("step (batches)")
                                                  : tr("minutes"));
    for (RunCurves &run : m_runs)
        run.dirty = true;
    m_autoRange = true;
    m_needsReplot = true;
}

bool MetricsChart::exportImage(const QString &path, QString *error)
{
    flush();
    const QString suffix = QFileInfo(path).suffix().toLower();
    const int w = std::max(m_plot->width(), 800);
    const int h = std::max(m_plot->height(), 500);
    bool ok = false;
    if (suffix == "png") {
        ok = m_plot->savePng(path, w, h,
                             2.0); // twice the pixels: crisp on HiDPI screens and slides
    } else if (suffix == "pdf") {
        ok = m_plot->savePdf(path, w, h);
    } else if (suffix == "svg") {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(QSize(w, h));
        svg.setViewBox(QRect(0, 0, w, h));
        svg.setTitle(m_metric == Metric::Loss ? "Loss" : "Accuracy");
        QCPPainter painter;
        ok = painter.begin(&svg);
        if (ok) {
            m_plot->toPainter(&painter, w, h);
            ok = painter.end();
        }
    } else {
        if (error)
            *error = tr("%1: unknown image format; use .png, .svg or .pdf").arg(path);
        return false;
    }
    if (!ok && error)
        *error = tr("%1: cannot write the file").arg(path);
    return ok;
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
