#include "layer_profile_plot.h"

#include "chart_style.h"
#include "viridis.h"

#include <cmath>

namespace normlab::gui {

namespace {

constexpr int kBandAlpha = 45;
constexpr int kLegendColumns = 3;
constexpr int kLegendRow = 2;

} // namespace

LayerProfilePlot::LayerProfilePlot(QWidget *parent) : InsidePlot(parent)
{
    xAxis->setLabel(tr("layer (input to output)"));
    // The legend below the plot, in columns, as on the Curves tab: inside it covered the lines.
    axisRect()->insetLayout()->take(legend);
    legend->setFillOrder(QCPLegend::foColumnsFirst);
    legend->setMargins(QMargins(4, 2, 4, 2));
    legend->setBorderPen(Qt::NoPen);
    QFont small = font();
    small.setPointSizeF(font().pointSizeF() * 0.85);
    legend->setFont(small);
    legend->setVisible(false);
    setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    axisRect()->setRangeDrag(Qt::Vertical);
    axisRect()->setRangeZoom(Qt::Vertical);
    showMessage(tr("No run shown"));
}

void LayerProfilePlot::showMessage(const QString &text)
{
    clearGraphs();
    m_lines.clear();
    legend->setVisible(false);
    // Out of the layout while empty: an empty legend still takes its margins' width.
    if (legend->layout())
        plotLayout()->take(legend);
    plotLayout()->simplify();
    showMessageText(text);
}

void LayerProfilePlot::setProfiles(const QStringList &layers, const QList<LayerProfile> &profiles,
                                   const QString &title, const QString &yLabel, bool logScale)
{
    clearGraphs();
    m_lines.clear();
    if (profiles.isEmpty() || layers.isEmpty()) {
        showMessage(tr("Nothing recorded for this statistic yet"));
        return;
    }
    bool allPositive = true;
    for (const LayerProfile &p : profiles)
        for (int l = 0; l < p.values.size(); ++l) {
            const double low = p.values[l] - (p.std.isEmpty() ? 0.0 : p.std[l]);
            if (std::isfinite(p.values[l]) && low <= 0)
                allPositive = false;
        }
    const bool log = logScale && allPositive;
    yAxis->setScaleType(log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (log)
        yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    else
        yAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
    yAxis->setLabel(yLabel);

    QVector<double> x;
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (int l = 0; l < layers.size(); ++l) {
        x.append(l);
        ticker->addTick(l, layers[l]);
    }
    xAxis->setTicker(ticker);
    xAxis->setSubTicks(false);
    xAxis->setRange(-0.5, layers.size() - 0.5);

    for (const LayerProfile &p : profiles) {
        if (!p.std.isEmpty()) {
            // The band first, so the mean line lies over it.
            QVector<double> upper, lower;
            for (int l = 0; l < p.values.size(); ++l) {
                upper.append(p.values[l] + p.std[l]);
                lower.append(p.values[l] - p.std[l]);
            }
            QColor fill = p.color;
            fill.setAlpha(kBandAlpha);
            QCPGraph *low = addGraph();
            low->setData(x.mid(0, lower.size()), lower, true);
            low->setPen(Qt::NoPen);
            low->removeFromLegend();
            QCPGraph *high = addGraph();
            high->setData(x.mid(0, upper.size()), upper, true);
            high->setPen(Qt::NoPen);
            high->setBrush(fill);
            high->setChannelFillGraph(low);
            high->removeFromLegend();
        }
        QCPGraph *line = addGraph();
        line->setName(p.name);
        line->setData(x.mid(0, p.values.size()), p.values, true);
        line->setPen(QPen(p.color, 2));
        line->setScatterStyle(QCPScatterStyle(runMarker(p.markerRun), p.color, Qt::white, 7));
        m_lines.append(line);
    }
    rescaleAxes(true);
    xAxis->setRange(-0.5, layers.size() - 0.5);
    if (!log) {
        const QCPRange y = yAxis->range();
        const double pad = std::max(y.size() * 0.08, 1e-9);
        yAxis->setRange(y.lower - pad, y.upper + pad);
    }
    if (!legend->layout()) {
        plotLayout()->addElement(kLegendRow, 0, legend);
        plotLayout()->setRowStretchFactor(kLegendRow, 0.001);
    }
    legend->setVisible(true);
    legend->setWrap(legendColumnsThatFit(legend, width(), kLegendColumns));
    legend->setFillOrder(QCPLegend::foColumnsFirst, true);
    showTitle(title);
    replot(rpQueuedReplot);
}

} // namespace normlab::gui
