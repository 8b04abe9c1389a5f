// The charts' time axis: both charts of a run count from the same moment.

#include "metrics_chart.h"
#include "qcustomplot_include.h"

#include <QtTest>

using namespace normlab::gui;

namespace {

double smallestKey(QCustomPlot *plot)
{
    double smallest = std::numeric_limits<double>::infinity();
    for (int g = 0; g < plot->graphCount(); ++g)
        for (auto it = plot->graph(g)->data()->constBegin();
             it != plot->graph(g)->data()->constEnd(); ++it)
            smallest = std::min(smallest, it->key);
    return smallest;
}

} // namespace

class TestMetricsChart : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // "By time", epoch 1's accuracy is drawn at epoch 1's end, as its loss is: it was drawn at
    // 0:00, one epoch early, because the accuracy chart counted from its own first point.
    void accuracyByTimeAtTheEpochsEnd()
    {
        MetricsChart loss(MetricsChart::Metric::Loss), accuracy(MetricsChart::Metric::Accuracy);
        loss.linkXAxis(&accuracy);
        for (MetricsChart *chart : {&loss, &accuracy}) {
            chart->setRun(1, "run", Qt::blue);
            chart->setXAxis(MetricsChart::XAxis::Time);
        }
        constexpr double start = 1'000'000, end = start + 60;
        loss.addTrainPoint(1, {0.5, 10, start + 30}, 2.0);
        loss.addTestPoint(1, {1.0, 20, end}, 1.5);
        accuracy.addTrainPoint(1, {1.0, 20, end}, 40.0, false);
        accuracy.addTestPoint(1, {1.0, 20, end}, 45.0);
        loss.addTrainPoint(1, {0.0, 1, start}, 2.3);
        loss.flush();
        accuracy.flush();
        QCOMPARE(smallestKey(loss.plot()), 0.0);
        QCOMPARE(smallestKey(accuracy.plot()), 60.0);
    }
};

QTEST_MAIN(TestMetricsChart)
#include "test_metrics_chart.moc"
