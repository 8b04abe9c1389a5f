#include "ridge_plot.h"

#include "viridis.h"

#include <algorithm>
#include <cmath>

namespace normlab::gui {

namespace {

// The tallest ridge rises this many rows: neighbours overlap a little, as ridge lines do.
constexpr double kPeakRows = 1.6;
constexpr int kFillAlpha = 170;

} // namespace

RidgePlot::RidgePlot(QWidget *parent) : InsidePlot(parent)
{
    xAxis->setLabel(tr("activation (block output)"));
    yAxis->grid()->setVisible(false);
    setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    axisRect()->setRangeDrag(Qt::Horizontal);
    axisRect()->setRangeZoom(Qt::Horizontal);
    showMessage(tr("No run shown"));
}

void RidgePlot::showMessage(const QString &text)
{
    clearGraphs();
    m_ridges.clear();
    showMessageText(text);
}

void RidgePlot::setHistograms(std::vector<LayerHistogram> histograms, const QString &title)
{
    clearGraphs();
    m_ridges.clear();
    histograms.erase(std::remove_if(histograms.begin(), histograms.end(),
                                    [](const LayerHistogram &h) {
                                        return h.counts.empty() || !(h.hi > h.lo);
                                    }),
                     histograms.end());
    if (histograms.empty()) {
        showMessage(tr("No histograms yet: one is recorded at each epoch's end"));
        return;
    }
    std::sort(histograms.begin(), histograms.end(),
              [](const LayerHistogram &a, const LayerHistogram &b) { return a.epoch < b.epoch; });

    // Densities (count per unit of activation, over the total), so histograms of different ranges
    // compare; one scale for all, from the highest peak.
    std::vector<QVector<double>> density(histograms.size());
    double peak = 0, lo = histograms.front().lo, hi = histograms.front().hi;
    for (std::size_t i = 0; i < histograms.size(); ++i) {
        const LayerHistogram &h = histograms[i];
        double total = 0;
        for (const std::int64_t c : h.counts)
            total += static_cast<double>(c);
        const double width = (h.hi - h.lo) / static_cast<double>(h.counts.size());
        for (const std::int64_t c : h.counts) {
            const double d = total > 0 ? static_cast<double>(c) / (total * width) : 0;
            density[i].append(d);
            peak = std::max(peak, d);
        }
        lo = std::min(lo, h.lo);
        hi = std::max(hi, h.hi);
    }
    const double scale = peak > 0 ? kPeakRows / peak : 0;
    const int rows = static_cast<int>(histograms.size());
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (int i = 0; i < rows; ++i) {
        const LayerHistogram &h = histograms[static_cast<std::size_t>(i)];
        const double base = rows - 1 - i; // the first epoch on top
        const double width = (h.hi - h.lo) / static_cast<double>(h.counts.size());
        // A closed outline: from the range's left edge at the baseline, over the bins' centres,
        // down to the baseline at its right edge.
        QVector<double> x {h.lo}, y {base}, baseX {h.lo, h.hi}, baseY {base, base};
        for (int b = 0; b < density[static_cast<std::size_t>(i)].size(); ++b) {
            x.append(h.lo + width * (b + 0.5));
            y.append(base + density[static_cast<std::size_t>(i)][b] * scale);
        }
        x.append(h.hi);
        y.append(base);
        QCPGraph *baseline = addGraph();
        baseline->setData(baseX, baseY, true);
        baseline->setPen(Qt::NoPen);
        QCPGraph *ridge = addGraph();
        ridge->setData(x, y, true);
        const QColor color = viridis(rows > 1 ? static_cast<double>(i) / (rows - 1) : 0.5);
        QColor fill = color;
        fill.setAlpha(kFillAlpha);
        ridge->setPen(QPen(color.darker(140), 1.2));
        ridge->setBrush(fill);
        ridge->setChannelFillGraph(baseline);
        m_ridges.append(ridge);
        ticker->addTick(base, tr("epoch %1").arg(h.epoch));
    }
    yAxis->setTicker(ticker);
    yAxis->setSubTicks(false);
    yAxis->setRange(-0.3, rows - 1 + kPeakRows + 0.2);
    const double pad = (hi - lo) * 0.03;
    xAxis->setRange(lo - pad, hi + pad);
    showTitle(title);
    replot(rpQueuedReplot);
}

} // namespace normlab::gui
