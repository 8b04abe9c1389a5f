// The loss and accuracy charts: both charts of a run count from the same moment, the smoothing is
// TensorBoard's, hovering names the point under the mouse, and the legend's columns fit its names.

#include "chart_style.h"
#include "metrics_chart.h"
#include "qcustomplot_include.h"
#include "smoothing.h"
#include "training_clock.h"

#include <QToolTip>
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
    // An empty chart (the first start) drew its plot at its least width with a blank strip at
    // the right: the empty legend's largest width squeezed the layout.
    void anEmptyChartFillsItsWidth()
    {
        MetricsChart chart(MetricsChart::Metric::Accuracy);
        chart.setCaption("thin line: train accuracy over each epoch · markers: test accuracy "
                         "after each epoch");
        chart.resize(640, 500);
        chart.show();
        chart.flush();
        chart.plot()->replot();
        QCOMPARE(chart.plot()->axisRect()->outerRect().width(), chart.plot()->width());
        chart.setRun(1, "run", Qt::blue);
        chart.addTestPoint(1, 1.0, 40.0);
        chart.flush();
        chart.plot()->replot();
        QCOMPARE(chart.plot()->axisRect()->outerRect().width(), chart.plot()->width());
        QVERIFY(chart.plot()->legend->visible() && chart.plot()->legend->layout());
    }
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

    void smoothingIsTensorBoardsDebiasedEma();
    void hoverReportsThePointUnderTheMouse_data();
    void hoverReportsThePointUnderTheMouse();
    void legendColumnsFitTheirNames();
    void theSelectedRunStandsOut();
};

void TestMetricsChart::smoothingIsTensorBoardsDebiasedEma()
{
    const QVector<double> raw {1, 2, 3, 4};
    QCOMPARE(debiasedEma(raw, 0), raw);
    const QVector<double> smooth = debiasedEma(raw, 0.5);
    QCOMPARE(smooth[0], 1.0); // debiased: the first point is the data, not half of it
    QCOMPARE(smooth[1], (0.5 * 0.5 + 0.5 * 2) / 0.75);
    QVERIFY(smooth[3] < 4 && smooth[3] > 3);
}

// Hovering run 5's epoch-3 test point said "epoch 2.00: 1.8032"; the store said 1.5526.
void TestMetricsChart::hoverReportsThePointUnderTheMouse_data()
{
    QTest::addColumn<int>("epoch");
    QTest::addColumn<int>("axis");
    const QVector<QPair<const char *, MetricsChart::XAxis>> axes {
            {"epoch", MetricsChart::XAxis::Epoch},
            {"step", MetricsChart::XAxis::Step},
            {"time", MetricsChart::XAxis::Time}};
    for (const auto &[name, axis] : axes)
        for (int e = 1; e <= 3; ++e)
            QTest::addRow("%s axis, epoch %d", name, e) << e << static_cast<int>(axis);
}

void TestMetricsChart::hoverReportsThePointUnderTheMouse()
{
    QFETCH(int, epoch);
    QFETCH(int, axis);
    const QVector<double> test {2.1094, 1.8032, 1.5526};
    MetricsChart chart(MetricsChart::Metric::Loss);
    chart.resize(800, 500);
    chart.setRun(5, "5 s8 BatchNorm", Qt::red);
    constexpr int kBatches = 50;
    for (int e = 1; e <= 3; ++e) {
        for (int b = 1; b <= kBatches; ++b) {
            const double step = (e - 1) * kBatches + b;
            chart.addTrainPoint(5, {e - 1 + b / double(kBatches), step, 1e9 + step},
                                2.3 - 0.01 * step);
        }
        chart.addTestPoint(5, {double(e), double(e * kBatches), 1e9 + e * kBatches}, test[e - 1]);
    }
    chart.setXAxis(static_cast<MetricsChart::XAxis>(axis));
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    chart.flush();
    chart.plot()->replot(QCustomPlot::rpImmediateRefresh);
    const double x = axis == 0 ? epoch : axis == 1 ? epoch * kBatches : epoch * kBatches - 1;
    const QPointF pixel(chart.plot()->xAxis->coordToPixel(x),
                        chart.plot()->yAxis->coordToPixel(test[epoch - 1]));
    QVERIFY(chart.plot()->axisRect()->rect().contains(pixel.toPoint())); // the range was fitted
    // A few pixels off, on the side of the previous epoch: where the old lookup went wrong.
    for (const QPointF offset : {QPointF(0, 0), QPointF(-3, 2), QPointF(3, -2)}) {
        const auto point = chart.pointAt(pixel + offset);
        QVERIFY(point);
        QCOMPARE(point->series, QString("test"));
        QCOMPARE(point->at.epoch, double(epoch));
        QCOMPARE(point->value, test[epoch - 1]);
        QVERIFY2(point->text.contains(
                         QString("epoch %1: %2").arg(epoch).arg(test[epoch - 1], 0, 'f', 4)),
                 qPrintable(point->text));
    }
    // And through the mouse, as a person hovers (from elsewhere: a move to where the cursor
    // already is sends nothing).
    QTest::mouseMove(chart.plot(), QPoint(1, 1));
    QTest::mouseMove(chart.plot(), pixel.toPoint());
    QTRY_VERIFY(QToolTip::isVisible());
    QVERIFY2(QToolTip::text().contains(QString::number(test[epoch - 1], 'f', 4)),
             qPrintable(QToolTip::text()));
    // Far from every point: no tooltip.
    QVERIFY(!chart.pointAt(QPointF(chart.plot()->xAxis->coordToPixel(x), 5)));
}

// Three columns of long run names were squeezed into the chart's width, each name cut off.
void TestMetricsChart::legendColumnsFitTheirNames()
{
    QCustomPlot plot;
    for (const char *name : {"1 s8-bn norm=batch seed=1", "2 s8-bn norm=batch seed=2", "3 x"}) {
        QCPGraph *graph = plot.addGraph();
        graph->setName(name);
    }
    QCPLegend *legend = plot.legend;
    const int one = QFontMetrics(legend->font()).horizontalAdvance("1 s8-bn norm=batch seed=1");
    QCOMPARE(legendColumnsThatFit(legend, 3000, 3), 3);
    QCOMPARE(legendColumnsThatFit(legend, 2 * one + 120, 3), 2);
    QCOMPARE(legendColumnsThatFit(legend, one + 60, 3), 1);
    QCOMPARE(legendColumnsThatFit(legend, 10, 3), 1);
}

// Selecting a row in the runs table did nothing to the curves: among several runs, the selected
// one is now drawn stronger and the others faded; alone, or unselected, they are drawn alike.
void TestMetricsChart::theSelectedRunStandsOut()
{
    MetricsChart chart(MetricsChart::Metric::Loss);
    chart.setRun(1, "one", Qt::red);
    // Per run a train and a test graph, in the order the runs were set.
    const auto alpha = [&](int graph) { return chart.plot()->graph(graph)->pen().color().alpha(); };
    const auto width = [&](int graph) { return chart.plot()->graph(graph)->pen().widthF(); };
    chart.setEmphasis(1);
    QCOMPARE(alpha(0), 255);
    QCOMPARE(width(1), 2.0); // alone: nothing to stand out from
    chart.setRun(2, "two", Qt::blue);
    QCOMPARE(width(1), 3.0);
    QCOMPARE(alpha(1), 255);
    QVERIFY(alpha(2) < 255 && alpha(3) < 255);
    QCOMPARE(chart.plot()->graph(3)->scatterStyle().pen().color().alpha(), alpha(3));
    chart.setEmphasis(2);
    QVERIFY(alpha(0) < 255);
    QCOMPARE(alpha(2), 255);
    QCOMPARE(width(3), 3.0);
    // Hidden in a seed band: nothing is drawn strong, so nothing is faded either.
    chart.setRunVisible(2, false);
    QCOMPARE(alpha(0), 255);
    chart.setRunVisible(2, true);
    QVERIFY(alpha(0) < 255);
    chart.removeRun(1);
    QCOMPARE(chart.plot()->graphCount(), 2);
    QCOMPARE(width(1), 2.0); // one run left: drawn as usual
    chart.setRun(3, "three", Qt::green);
    chart.setEmphasis(0);
    for (int graph = 0; graph < chart.plot()->graphCount(); ++graph)
        QCOMPARE(alpha(graph), 255);
}

QTEST_MAIN(TestMetricsChart)
#include "test_metrics_chart.moc"
