#include "layer_heat_map.h"

#include "chart_style.h"
#include "viridis.h"

#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <limits>

namespace normlab::gui {

LayerHeatMap::LayerHeatMap(QWidget *parent) : InsidePlot(parent)
{
    m_map = new QCPColorMap(xAxis, yAxis);
    m_scale = new QCPColorScale(this);
    plotLayout()->addElement(1, 1, m_scale);
    m_scale->setType(QCPAxis::atRight);
    m_scale->setBarWidth(10);
    m_map->setColorScale(m_scale);
    m_map->setGradient(viridisGradient());
    m_map->setInterpolate(false);
    // The scale as tall as the map.
    auto *margins = new QCPMarginGroup(this);
    axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    m_scale->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    xAxis->setLabel(tr("epoch"));
    xAxis->setTicker(QSharedPointer<WholeNumberTicker>::create());
    yAxis->setRangeReversed(true); // the first block on top, as the net reads
    setMouseTracking(true);
    showMessage(tr("No run shown"));
}

void LayerHeatMap::showMessage(const QString &text)
{
    m_table = {};
    m_map->data()->clear();
    m_map->setVisible(false);
    m_scale->setVisible(false);
    showMessageText(text);
}

void LayerHeatMap::setTable(const LayerStatTable &table, const QString &title, bool logScale)
{
    if (table.empty()) {
        showMessage(tr("Nothing recorded for this statistic yet"));
        return;
    }
    m_table = table;
    const int layers = static_cast<int>(table.layers.size());
    const int epochs = static_cast<int>(table.epochs.size());
    // QCPColorMap needs two columns to know a cell's width: one epoch is drawn twice, a cell wide.
    const int columns = std::max(epochs, 2);
    const double first = table.epochs.front();
    const double last = epochs > 1 ? table.epochs.back() : first + 1;
    m_map->data()->setSize(columns, layers);
    m_map->data()->setRange(
            QCPRange(epochs > 1 ? first : first - 0.5, epochs > 1 ? last : first + 0.5),
            QCPRange(0, std::max(layers - 1, 1)));
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    bool allPositive = true;
    for (int l = 0; l < layers; ++l)
        for (int c = 0; c < columns; ++c) {
            const double v = table.values[static_cast<std::size_t>(l)]
                                         [static_cast<std::size_t>(std::min(c, epochs - 1))];
            m_map->data()->setCell(c, l, v);
            if (std::isfinite(v)) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
                allPositive = allPositive && v > 0;
            }
        }
    const bool log = logScale && allPositive;
    m_scale->setDataScaleType(log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (log)
        m_scale->axis()->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    else
        m_scale->axis()->setTicker(QSharedPointer<QCPAxisTicker>::create());
    if (!std::isfinite(lo)) {
        lo = 0;
        hi = 1;
    } else if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) {
        // One value everywhere (LayerNorm's output spread is 1 in every layer): a flat map still
        // needs a range.
        lo -= std::max(1e-6, std::abs(lo) * 0.01);
        hi += std::max(1e-6, std::abs(hi) * 0.01);
    }
    m_map->setDataRange(QCPRange(lo, hi));

    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (int l = 0; l < layers; ++l)
        ticker->addTick(l, QString::fromStdString(table.layers[static_cast<std::size_t>(l)]));
    yAxis->setTicker(ticker);
    yAxis->setSubTicks(false);
    yAxis->setRange(-0.5, layers - 0.5);
    xAxis->setRange(epochs > 1 ? first - 0.5 : first - 1, epochs > 1 ? last + 0.5 : first + 1);
    m_scale->axis()->setLabel(
            QString::fromUtf8(layerStatName(table.stat).data(),
                              static_cast<qsizetype>(layerStatName(table.stat).size())));
    showTitle(title);
    m_map->setVisible(true);
    m_scale->setVisible(true);
    replot(rpQueuedReplot);
}

QString LayerHeatMap::cellText(double epoch, double layer) const
{
    if (m_table.empty())
        return {};
    const int l = static_cast<int>(std::lround(layer));
    if (l < 0 || l >= static_cast<int>(m_table.layers.size()))
        return {};
    const auto e = std::find(m_table.epochs.begin(), m_table.epochs.end(),
                             static_cast<int>(std::lround(epoch)));
    if (e == m_table.epochs.end())
        return {};
    const double v = m_table.values[static_cast<std::size_t>(l)]
                                   [static_cast<std::size_t>(e - m_table.epochs.begin())];
    return tr("%1, epoch %2: %3")
            .arg(QString::fromStdString(m_table.layers[static_cast<std::size_t>(l)]))
            .arg(*e)
            .arg(std::isfinite(v) ? QString::number(v, 'g', 4) : tr("not recorded"));
}

void LayerHeatMap::mouseMoveEvent(QMouseEvent *event)
{
    QCustomPlot::mouseMoveEvent(event);
    const QPointF p = event->position();
    const QString text = axisRect()->rect().contains(p.toPoint())
                                 ? cellText(xAxis->pixelToCoord(p.x()), yAxis->pixelToCoord(p.y()))
                                 : QString();
    if (text.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(event->globalPosition().toPoint(), text, this);
}

} // namespace normlab::gui
