// The Curves tab says what its lines are, grouped or not, and why a chart is empty.

#include "curves_view.h"
#include "metrics_chart.h"
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
