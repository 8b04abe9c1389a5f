// A sweep by normalization and the per-class table: the numbers behind the Comparison tab and
// `normlab-cli runs compare`, in the engine for both.

#include "norm_comparison.h"
#include "presets.h"
#include "recorded_runs.h"
#include "run_store.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace normlab;

namespace {

// Classes a and b; `correctA` and `correctB` of 10 images each right at the last epoch.
std::int64_t recordRun(RunStore &store, NormKind norm, std::uint64_t seed, int correctA,
                       int correctB, RunState end = RunState::Finished)
{
    test::RecordedRun run;
    run.config = presetConfig("s8-bn");
    run.config.model.norm = norm;
    run.config.seed = seed;
    run.sweep = "sweep-1";
    run.end = end;
    EpochMetrics m;
    m.epoch = 1;
    m.testAccuracy = 5.0 * (correctA + correctB);
    m.seconds = 60.0 * static_cast<double>(seed);
    m.confusion = {correctA, 10 - correctA, 10 - correctB, correctB};
    run.epochs = {m};
    return test::recordRun(store, run);
}

} // namespace

class TestNormComparison : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sweepGroupedByNorm()
    {
        QTemporaryDir dir;
        RunStore store(dir.path().toStdString());
        recordRun(store, NormKind::Batch, 1, 9, 7);
        recordRun(store, NormKind::Group, 1, 6, 6);
        recordRun(store, NormKind::Batch, 2, 7, 7);
        recordRun(store, NormKind::Group, 2, 8, 8, RunState::Stopped);
        test::RecordedRun other; // another sweep's run is not counted
        other.config = presetConfig("s8-ln");
        test::recordRun(store, other);

        const SweepComparison c = compareSweep(store, "sweep-1");
        QCOMPARE(c.groups.size(), std::size_t(2));
        QCOMPARE(c.groups[0].norm, std::string("batch")); // in the order the runs were queued
        QCOMPARE(c.groups[1].norm, std::string("group(4)"));
        QCOMPARE(c.groups[0].runs, 2);
        QCOMPARE(c.groups[0].finished, 2);
        QCOMPARE(c.groups[0].bestAccuracy, (std::vector<double> {80, 70}));
        QCOMPARE(c.groups[0].trainingSeconds, (std::vector<double> {60, 120}));
        // A stopped run counts in the runs but not in the results; its classes still show.
        QCOMPARE(c.groups[1].runs, 2);
        QCOMPARE(c.groups[1].finished, 1);
        QCOMPARE(c.groups[1].classAccuracies.size(), std::size_t(2));
        QCOMPARE(c.classNames, (std::vector<std::string> {"a", "b"}));
        QCOMPARE(c.groups[0].classAccuracies[0], (std::vector<double> {90, 70, 80}));
        QVERIFY(compareSweep(store, "no such sweep").groups.empty());
    }

    void classTableMarksTheBestMean()
    {
        // Two columns: batch (two runs) and group (one run); rows a, b, all classes.
        const ClassTable t = classTable(2, {{{90, 70, 80}, {70, 70, 70}}, {{60, 80, 70}}});
        QCOMPARE(t.cells.size(), std::size_t(3));
        QCOMPARE(t.cells[0][0].stat.mean, 80.0);
        QVERIFY(qAbs(t.cells[0][0].stat.std - 14.142135623730951) < 1e-9);
        QCOMPARE(t.bestColumn, (std::vector<int> {0, 1, 0}));
        QCOMPARE(classTable(2, {{{90, 70, 80}}}).bestColumn, (std::vector<int> {-1, -1, -1}));
        QVERIFY(classTable(0, {{{90}}}).cells.empty());
    }
};

QTEST_GUILESS_MAIN(TestNormComparison)
#include "test_norm_comparison.moc"
