// MetricsChart's tooltip: which recorded point is under the mouse, and how it is described. Apart
// from metrics_chart.cpp so that file stays about drawing.
#include "metrics_chart.h"

#include "qcustomplot_include.h"

#include <QLocale>

#include <cmath>

namespace normlab::gui {

namespace {

constexpr double kHoverPixels = 10; // how near the mouse a point must be for the tooltip

} // namespace

std::optional<MetricsChart::HoverPoint> MetricsChart::pointAt(const QPointF &pixel) const
{
    std::optional<HoverPoint> best;
    double bestDistance = kHoverPixels;
    // The nearest drawn point of `graph` within kHoverPixels, closer than any found before.
    auto nearest = [&](const QCPGraph *graph) -> int {
        if (!graph->visible() || graph->data()->isEmpty())
            return -1;
        const double k0 = m_plot->xAxis->pixelToCoord(pixel.x() - kHoverPixels);
        const double k1 = m_plot->xAxis->pixelToCoord(pixel.x() + kHoverPixels);
        const auto begin = graph->data()->findBegin(std::min(k0, k1), false);
        const auto end = graph->data()->findEnd(std::max(k0, k1), false);
        int found = -1;
        for (auto it = begin; it != end; ++it) {
            const QPointF at(m_plot->xAxis->coordToPixel(it->key),
                             m_plot->yAxis->coordToPixel(it->value));
            const double d = std::hypot(at.x() - pixel.x(), at.y() - pixel.y());
            if (d <= bestDistance) {
                bestDistance = d;
                found = static_cast<int>(it - graph->data()->constBegin());
            }
        }
        return found;
    };
    for (auto it = m_runs.cbegin(); it != m_runs.cend(); ++it) {
        const RunCurves &run = it.value();
        for (const bool test : {false, true}) {
            const QCPGraph *graph = test ? run.test : run.train;
            const int i = nearest(graph);
            if (i < 0)
                continue;
            const Series &series = test ? run.testData : run.trainData;
            const int recorded = (test ? run.testShown : run.trainShown).value(i, -1);
            if (recorded < 0 || recorded >= series.y.size())
                continue;
            HoverPoint p {it.key(),
                          test ? QString("test") : QString("train"),
                          series.x[recorded],
                          series.y[recorded],
                          {}};
            p.text = describe(p, run.name, (graph->data()->constBegin() + i)->value);
            best = p;
        }
    }
    for (const Band &band : m_bands) {
        const int i = nearest(band.mean);
        if (i < 0 || i >= band.data.mean.size())
            continue;
        HoverPoint p {0, "mean", Position {band.data.epochs[i]}, band.data.mean[i], {}};
        p.text = tr("%1\nepoch %2: %3 ± %4 over %n seed(s)", nullptr, band.data.seeds)
                         .arg(band.name)
                         .arg(band.data.epochs[i])
                         .arg(band.data.mean[i], 0, 'f', m_metric == Metric::Loss ? 4 : 2)
                         .arg(band.data.std[i], 0, 'f', m_metric == Metric::Loss ? 4 : 2);
        best = p;
    }
    return best;
}

// "5 s8-bn · test\nepoch 3: 1.5526", with the step and time where they are known.
QString MetricsChart::describe(const HoverPoint &point, const QString &name, double drawn) const
{
    const bool loss = m_metric == Metric::Loss;
    auto value = [loss](double v) {
        return loss ? QString::number(v, 'f', 4) : QString("%1 %").arg(v, 0, 'f', 2);
    };
    const bool perEpoch = point.series == "test" || point.at.epoch == std::floor(point.at.epoch);
    // A batch halfway through epoch 3 is at 2.5: it belongs to epoch 3.
    const int epoch = static_cast<int>(std::ceil(point.at.epoch - 1e-9));
    QString where = tr("epoch %1").arg(std::max(epoch, 1));
    if (!perEpoch && std::isfinite(point.at.step))
        where += tr(", step %1").arg(QLocale().toString(static_cast<qlonglong>(point.at.step)));
    QString what = point.series == "test" ? tr("test") : tr("train");
    if (point.series == "train" && !loss)
        what = tr("train, mean over the epoch");
    QString text = QString("%1 · %2\n%3: %4").arg(name, what, where, value(point.value));
    if (point.series == "train" && std::abs(drawn - point.value) > 1e-12)
        text += tr(" (smoothed %1)").arg(value(drawn));
    return text;
}

} // namespace normlab::gui
