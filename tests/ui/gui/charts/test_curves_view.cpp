// The Curves tab says what its lines are, grouped or not, and why a chart is empty.

#include "curves_view.h"
#include "metrics_chart.h"
#include "qcustomplot_include.h"
#include "recorded_runs.h"
#include "run_store.h"
#include "test_support.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace normlab;
using namespace normlab::gui;

namespace {

qint64 recordRun(RunStore &store, std::uint64_t seed)
{
    test::RecordedRun run;
    run.config = test::quickConfig(2);
    run.config.seed = seed;
    run.name = "r";
    for (int e = 1; e <= 2; ++e) {
        EpochMetrics m;
        m.epoch = e;
        m.trainLoss = 2.0 / e + 0.01 * static_cast<double>(seed);
        m.testLoss = 1.5 / e;
        m.testAccuracy = 40.0 + e + static_cast<double>(seed);
        m.wallTime = 1'000'000 + 60.0 * e;
        run.epochs.push_back(m);
    }
    return test::recordRun(store, run);
}

} // namespace

class TestCurvesView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // With Group seeds the thin lines are the seeds' mean per-epoch train values: the caption said
    // "train loss of the latest batch" for them.
    void captionSaysWhatGroupedLinesAre()
    {
        QTemporaryDir dir;
        RunStore store(dir.path().toStdString());
        const qint64 a = recordRun(store, 1), b = recordRun(store, 2);
        CurvesView view;
        view.showRuns(store, {a, b});
        QVERIFY(view.lossChart()->caption().contains("latest batch"));
        view.setGroupSeeds(true);
        QCOMPARE(view.lossChart()->bandCount(), 1);
        QVERIFY2(view.lossChart()->caption().contains("seeds' mean train loss of each epoch"),
                 qPrintable(view.lossChart()->caption()));
        QVERIFY(view.accuracyChart()->caption().contains("seeds' mean train accuracy"));
        view.setGroupSeeds(false);
        QVERIFY(!view.lossChart()->caption().contains("seeds' mean"));
    }

    // By time, a resumed run's stop is not drawn: 5:08 of stop and training for 37 s of training
    // drew a flat line that squeezed every other run to the left. Each epoch's end is at the
    // training time the runs table shows, live and reloaded alike.
    void byTimeAResumeLeavesNoGap()
    {
        QTemporaryDir dir;
        RunStore store(dir.path().toStdString());
        test::RecordedRun run;
        run.config = test::quickConfig(3);
        constexpr double start = 1'000'000, stopped = 3600; // an hour between epochs 2 and 3
        const double ends[] = {start + 20, start + 40, start + 40 + stopped + 20};
        for (int e = 1; e <= 3; ++e) {
            EpochMetrics m;
            m.epoch = e;
            m.seconds = 18;
            m.testLoss = 2.0 / e;
            m.wallTime = ends[e - 1];
            run.epochs.push_back(m);
        }
        const qint64 id = test::recordRun(store, run);
        CurvesView view;
        view.showRuns(store, {id});
        for (MetricsChart *chart : {view.lossChart(), view.accuracyChart()})
            chart->setXAxis(MetricsChart::XAxis::Time);
        view.lossChart()->flush();
        QCPGraph *test = nullptr;
        for (int g = 0; g < view.lossChart()->plot()->graphCount(); ++g)
            if (view.lossChart()->plot()->graph(g)->data()->size() == 3)
                test = view.lossChart()->plot()->graph(g);
        QVERIFY(test);
        QList<double> keys;
        for (auto it = test->data()->constBegin(); it != test->data()->constEnd(); ++it)
            keys << it->key;
        QCOMPARE(keys, (QList<double> {18, 36, 54})); // 0:54, as the runs table's Time says

        // The same run continuing live: a batch 5 s into epoch 4, after another stop.
        BatchProgress p;
        p.epoch = 4;
        p.batch = 1;
        p.batches = 10;
        p.step = 31;
        p.epochSeconds = 5;
        p.wallTime = ends[2] + 600;
        view.addBatch(id, p);
        EpochMetrics m;
        m.epoch = 4;
        m.seconds = 18;
        m.testLoss = 0.4;
        m.wallTime = p.wallTime + 13;
        view.addEpoch(id, m);
        view.lossChart()->flush();
        QCOMPARE(test->data()->size(), 4);
        QCOMPARE((test->data()->constEnd() - 1)->key, 72.0);
        QCOMPARE(view.lossChart()->plot()->xAxis->label(),
                 QString("training time (stops not counted)"));
    }

    // A ticked run still in its first epoch is not "no run shown".
    void emptyHintTellsNoRunFromNothingYet()
    {
        CurvesView view;
        view.lossChart()->flush();
        QVERIFY(view.lossChart()->hintShown().startsWith("No run shown"));
        view.accuracyChart()->setRun(7, "7 training", Qt::blue);
        view.accuracyChart()->flush();
        QVERIFY2(view.accuracyChart()->hintShown().contains("end of epoch 1"),
                 qPrintable(view.accuracyChart()->hintShown()));
        view.accuracyChart()->addTestPoint(7, 1.0, 40.0);
        view.accuracyChart()->flush();
        QCOMPARE(view.accuracyChart()->hintShown(), QString());
    }
};

QTEST_MAIN(TestCurvesView)
#include "test_curves_view.moc"
