// The charts' time axis: both charts of a run count from the same moment.

#include "metrics_chart.h"
#include "qcustomplot_include.h"
#include "training_clock.h"

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

    // The clock behind "by training time": spans in any order, merged where they overlap; a
    // moment between spans reads where the span before it ended.
    void trainingClock_data()
    {
        QTest::addColumn<QList<QPointF>>("spans"); // (start, end)
        QTest::addColumn<double>("moment");
        QTest::addColumn<double>("seconds");
        const QList<QPointF> resumed {{100, 120}, {120.5, 140}, {1000, 1020}};
        QTest::newRow("before any span") << resumed << 50.0 << 0.0;
        QTest::newRow("inside the first") << resumed << 110.0 << 10.0;
        QTest::newRow("at the first's end") << resumed << 120.0 << 20.0;
        QTest::newRow("stopped, between spans") << resumed << 500.0 << 39.5;
        QTest::newRow("after the resume") << resumed << 1010.0 << 49.5;
        QTest::newRow("after the last") << resumed << 5000.0 << 59.5;
        QTest::newRow("out of order") << QList<QPointF> {{1000, 1020}, {100, 120}} << 1020.0
                                      << 40.0;
        // A live epoch reports its span as it grows: each report overlaps the one before.
        QTest::newRow("growing span") << QList<QPointF> {{100, 101}, {100.01, 105}, {99.99, 110}}
                                      << 110.0 << 10.01;
        QTest::newRow("span inside a span") << QList<QPointF> {{100, 200}, {120, 130}} << 200.0
                                            << 100.0;
        QTest::newRow("bridging two spans")
                << QList<QPointF> {{100, 110}, {200, 210}, {105, 205}} << 210.0 << 110.0;
    }
    void trainingClock()
    {
        QFETCH(QList<QPointF>, spans);
        QFETCH(double, moment);
        QFETCH(double, seconds);
        TrainingClock clock;
        QVERIFY(std::isnan(clock.at(moment)));
        for (const QPointF &span : spans)
            clock.addSpan(span.x(), span.y());
        QVERIFY(qAbs(clock.at(moment) - seconds) < 1e-9);
    }
};

QTEST_MAIN(TestMetricsChart)
#include "test_metrics_chart.moc"
