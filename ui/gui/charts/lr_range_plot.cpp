#include "lr_range_plot.h"

#include "qcustomplot_include.h"

#include <QVBoxLayout>

#include <cmath>

namespace normlab::gui {

LrRangePlot::LrRangePlot(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_plot = new QCustomPlot(this);
    m_plot->setMinimumSize(320, 220);
    layout->addWidget(m_plot);
    m_plot->xAxis->setScaleType(QCPAxis::stLogarithmic);
    m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    m_plot->xAxis->setNumberFormat("eb");
    m_plot->xAxis->setNumberPrecision(0);
    m_plot->xAxis->setLabel(tr("learning rate (log scale)"));
    m_plot->yAxis->setLabel(tr("training loss"));
    const QColor line = palette().color(QPalette::Highlight);
    m_raw = m_plot->addGraph();
    QColor faint = line;
    faint.setAlpha(70);
    m_raw->setPen(QPen(faint, 1));
    m_raw->setName(tr("batch loss"));
    m_smoothed = m_plot->addGraph();
    m_smoothed->setPen(QPen(line, 2));
    m_smoothed->setName(tr("smoothed"));
    m_plot->legend->setVisible(true);
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignLeft);
    m_mark = new QCPItemStraightLine(m_plot);
    m_mark->setPen(QPen(QColor(0xd0, 0x30, 0x30), 1.5, Qt::DashLine));
    m_markText = new QCPItemText(m_plot);
    m_markText->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_markText->position->setTypeX(QCPItemPosition::ptPlotCoords);
    m_markText->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_markText->setColor(QColor(0xd0, 0x30, 0x30));
    setSuggestion(std::nullopt);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);

    m_replotTimer.setInterval(100);
    connect(&m_replotTimer, &QTimer::timeout, this, &LrRangePlot::flush);
    m_replotTimer.start();
}

void LrRangePlot::clear()
{
    m_raw->data()->clear();
    m_smoothed->data()->clear();
    setSuggestion(std::nullopt);
    m_dirty = true;
}

void LrRangePlot::addPoint(const LrRangePoint &point)
{
    if (!std::isfinite(point.loss) || point.lr <= 0)
        return;
    m_raw->addData(point.lr, point.loss);
    m_smoothed->addData(point.lr, point.smoothedLoss);
    m_dirty = true;
}

int LrRangePlot::pointCount() const
{
    return m_smoothed->dataCount();
}

void LrRangePlot::setSuggestion(std::optional<double> lr)
{
    m_mark->setVisible(lr.has_value());
    m_markText->setVisible(lr.has_value());
    if (lr) {
        m_mark->point1->setCoords(*lr, 0);
        m_mark->point2->setCoords(*lr, 1);
        m_markText->position->setCoords(*lr, 0.04);
        m_markText->setText(" " + tr("suggested %1").arg(*lr, 0, 'g', 3));
    }
    m_dirty = true;
}

void LrRangePlot::flush()
{
    if (!m_dirty)
        return;
    m_dirty = false;
    if (!m_smoothed->data()->isEmpty()) {
        bool found = false;
        m_plot->xAxis->setRange(m_raw->getKeyRange(found));
        // The smoothed curve sets the height: a last diverging batch would flatten the rest.
        const QCPRange y = m_smoothed->getValueRange(found);
        const double pad = std::max(0.05, (y.upper - y.lower) * 0.1);
        m_plot->yAxis->setRange(y.lower - pad, y.upper + pad);
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace normlab::gui
