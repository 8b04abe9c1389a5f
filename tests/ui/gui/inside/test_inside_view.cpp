// The Inside tab draws what the store recorded: the heat map holds the table's values, the
// per-layer lines one per run or one band per seed group at the chosen epoch, the ridges one per
// epoch; live samples join the runs shown and redraw at most every kRedrawIntervalMs.
#include "inside_view.h"
#include "layer_heat_map.h"
#include "layer_profile_plot.h"
#include "qcustomplot_include.h"
#include "recorded_runs.h"
#include "ridge_plot.h"
#include "run_store.h"

#include <QCheckBox>
#include <QComboBox>
#include <QSlider>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <limits>

using namespace normlab;
using namespace normlab::gui;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kLayers = 3;
constexpr int kEpochs = 3;

// The value of `stat` in layer l at epoch e of a run whose values are shifted by `offset`.
double valueOf(LayerStat stat, int layer, int epoch, double offset)
{
    return offset + 10.0 * static_cast<int>(stat) + layer + 0.1 * epoch;
}

LayerStatsSample sample(int epoch, std::int64_t step, double offset)
{
    LayerStatsSample s {epoch, step, {}};
    for (int l = 0; l < kLayers; ++l) {
        LayerStatsRow row;
        row.layer = l;
        row.name = "C" + std::to_string(l + 1);
        for (int i = 0; i < kLayerStatCount; ++i)
            row.values[static_cast<std::size_t>(i)] =
                    valueOf(static_cast<LayerStat>(i), l, epoch, offset);
        if (step < 0) // the probe takes no step
            row[LayerStat::GradNorm] = row[LayerStat::UpdateRatio] = kNaN;
        s.layers.push_back(row);
    }
    return s;
}

qint64 recordRun(RunStore &store, std::uint64_t seed, double offset, int epochs = kEpochs,
                 float dropout = 0.05f)
{
    test::RecordedRun run;
    run.config = test::quickConfig(epochs);
    run.config.seed = seed;
    run.config.model.dropout = dropout;
    run.name = "run";
    for (int e = 1; e <= epochs; ++e) {
        EpochMetrics m;
        m.epoch = e;
        m.testAccuracy = 40 + e;
        m.wallTime = 1.7e9 + 60 * e;
        run.epochs.push_back(m);
        run.layerStats.push_back(sample(e, 100 * e, offset));
        run.layerStats.push_back(sample(e, -1, offset));
        run.layerHistograms.push_back({e, kLayers - 1, -1.0 * e, 1.0 * e, {1, 4, 9, 4, 1}});
    }
    return test::recordRun(store, run);
}

double cellOf(const InsideView &view, int epochIndex, int layer)
{
    return view.heatMap()->colorMap()->data()->cell(epochIndex, layer);
}

} // namespace

class TestInsideView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void heatMapHoldsTheTable_data();
    void heatMapHoldsTheTable();
    void profilesPerRunOrSeedGroup_data();
    void profilesPerRunOrSeedGroup();
    void ridgesPerEpoch();
    void aRunWithoutStatisticsSaysSo();
    void liveSamplesRedrawBatched();
};

void TestInsideView::heatMapHoldsTheTable_data()
{
    QTest::addColumn<int>("stat");
    QTest::newRow("output_std: the probes") << static_cast<int>(LayerStat::OutputStd);
    QTest::newRow("grad_norm: the training samples") << static_cast<int>(LayerStat::GradNorm);
    QTest::newRow("dead_relu") << static_cast<int>(LayerStat::DeadRelu);
}

void TestInsideView::heatMapHoldsTheTable()
{
    QFETCH(int, stat);
    QTemporaryDir dir;
    RunStore store(dir.path().toStdString());
    const qint64 id = recordRun(store, 1, 0.0);
    InsideView view;
    view.resize(1200, 500);
    view.show();
    view.showRuns(store, {id});
    view.statBox()->setCurrentIndex(view.statBox()->findData(stat));
    QCOMPARE(view.heatMap()->message(), QString());
    QCOMPARE(view.heatMap()->colorMap()->data()->keySize(), kEpochs);
    QCOMPARE(view.heatMap()->colorMap()->data()->valueSize(), kLayers);
    for (int e = 0; e < kEpochs; ++e)
        for (int l = 0; l < kLayers; ++l)
            QCOMPARE(cellOf(view, e, l), valueOf(static_cast<LayerStat>(stat), l, e + 1, 0.0));
    QVERIFY(view.heatMap()->cellText(2, 1).startsWith("C2, epoch 2: "));
    QCOMPARE(view.layerBox()->count(), kLayers);
    QCOMPARE(view.epochSlider()->maximum(), kEpochs);
}

void TestInsideView::profilesPerRunOrSeedGroup_data()
{
    QTest::addColumn<bool>("groupSeeds");
    QTest::addColumn<int>("lines");
    QTest::newRow("run by run") << false << 3;
    QTest::newRow("seeds grouped") << true << 2; // the two seeds as one band, the other run alone
}

void TestInsideView::profilesPerRunOrSeedGroup()
{
    QFETCH(bool, groupSeeds);
    QFETCH(int, lines);
    QTemporaryDir dir;
    RunStore store(dir.path().toStdString());
    const qint64 a = recordRun(store, 1, 0.0), b = recordRun(store, 2, 2.0);
    const qint64 other = recordRun(store, 1, 5.0, 2, 0.2f); // another config, two epochs only
    InsideView view;
    view.resize(1200, 500);
    view.show();
    view.setGroupSeeds(groupSeeds);
    view.showRuns(store, {a, b, other});
    view.epochSlider()->setValue(3);
    const QList<QCPGraph *> drawn = view.profilePlot()->lines();
    QCOMPARE(drawn.size(), lines);
    const LayerStat stat = LayerStat::OutputStd;
    for (QCPGraph *line : drawn) {
        QCOMPARE(line->data()->size(), kLayers);
        const double first = line->data()->at(0)->value;
        if (line->name().contains("seeds")) {
            QCOMPARE(first, valueOf(stat, 0, 3, 1.0)); // the mean of offsets 0 and 2
        } else if (line->name().startsWith(QString::number(other))) {
            // It has no epoch 3: its last epoch, and the legend says which.
            QVERIFY2(line->name().contains("(epoch 2)"), qPrintable(line->name()));
            QCOMPARE(first, valueOf(stat, 0, 2, 5.0));
        }
    }
    view.epochSlider()->setValue(1);
    for (QCPGraph *line : view.profilePlot()->lines())
        QVERIFY2(!line->name().contains("(epoch"), qPrintable(line->name()));
}

void TestInsideView::ridgesPerEpoch()
{
    QTemporaryDir dir;
    RunStore store(dir.path().toStdString());
    const qint64 id = recordRun(store, 1, 0.0);
    InsideView view;
    view.resize(1200, 500);
    view.show();
    view.showRuns(store, {id});
    QCOMPARE(view.layerBox()->currentIndex(), kLayers - 1); // the last block at first
    QCOMPARE(view.ridgePlot()->ridges().size(), kEpochs);
    // Every ridge is a closed outline over its own range, the first epoch on top.
    const QCPGraph *top = view.ridgePlot()->ridges().front();
    QCOMPARE(top->data()->at(0)->key, -1.0);
    QCOMPARE(top->data()->at(top->data()->size() - 1)->key, 1.0);
    QVERIFY(top->data()->at(0)->value > view.ridgePlot()->ridges().back()->data()->at(0)->value);
    view.layerBox()->setCurrentIndex(0); // no histograms recorded for it
    QVERIFY(view.ridgePlot()->ridges().isEmpty());
    QVERIFY(!view.ridgePlot()->message().isEmpty());
}

void TestInsideView::aRunWithoutStatisticsSaysSo()
{
    QTemporaryDir dir;
    RunStore store(dir.path().toStdString());
    test::RecordedRun old;
    old.config = test::quickConfig(1);
    EpochMetrics m;
    m.epoch = 1;
    old.epochs.push_back(m);
    const qint64 id = test::recordRun(store, old);
    InsideView view;
    view.show();
    QVERIFY(view.heatMap()->message().contains("Tick runs"));
    view.showRuns(store, {id});
    QVERIFY2(view.heatMap()->message().contains("no per-layer statistics"),
             qPrintable(view.heatMap()->message()));
    QVERIFY(view.profilePlot()->lines().isEmpty());
}

void TestInsideView::liveSamplesRedrawBatched()
{
    QTemporaryDir dir;
    RunStore store(dir.path().toStdString());
    const qint64 id = recordRun(store, 1, 0.0, 1);
    InsideView view;
    view.resize(1200, 500);
    view.show();
    view.showRuns(store, {id});
    QCOMPARE(view.epochSlider()->value(), 1);
    const int before = view.redrawCount();
    // Epoch 2 arrives: many samples in a burst, then its probe and histograms.
    for (int step = 101; step <= 150; ++step)
        view.addLayerStats(id, sample(2, step, 0.0));
    view.addLayerStats(id, sample(2, -1, 0.0));
    view.addLayerHistograms(id, {{2, kLayers - 1, -2.0, 2.0, {1, 2, 1}}});
    view.addLayerStats(id + 1, sample(2, -1, 9.0)); // a run not shown: ignored
    QCOMPARE(view.redrawCount(), before); // nothing drawn synchronously
    QTRY_COMPARE(view.redrawCount(), before + 1);
    QTest::qWait(2 * InsideView::kRedrawIntervalMs);
    QCOMPARE(view.redrawCount(), before + 1); // one redraw for the whole burst
    QCOMPARE(view.epochSlider()->value(), 2); // at the newest epoch, it follows
    QCOMPARE(view.heatMap()->colorMap()->data()->keySize(), 2);
    QCOMPARE(cellOf(view, 1, 0), valueOf(LayerStat::OutputStd, 0, 2, 0.0));
    QCOMPARE(view.ridgePlot()->ridges().size(), 2);
    // The same sample again (the store had it too) replaces, never doubles.
    view.addLayerStats(id, sample(2, -1, 0.5));
    QTRY_COMPARE(cellOf(view, 1, 0), valueOf(LayerStat::OutputStd, 0, 2, 0.5));
}

QTEST_MAIN(TestInsideView)
#include "test_inside_view.moc"
