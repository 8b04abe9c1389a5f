// `normlab-cli runs compare` gives runs that differ only by seed as mean ± std, the statistics the
// Comparison tab shows (both from engine/store/seed_grouping).

#include "presets.h"
#include "recorded_runs.h"
#include "run_store.h"
#include "test_support.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace normlab;

class TestCliCompare : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void seedsAsMeanAndStd()
    {
        QTemporaryDir dir;
        {
            RunStore store(dir.path().toStdString());
            const std::vector<std::pair<std::uint64_t, double>> runs = {{1, 76.01}, {2, 77.21}};
            for (const auto &[seed, accuracy] : runs) {
                test::RecordedRun run;
                run.config = presetConfig("s8-bn");
                run.config.seed = seed;
                run.name = "s8 BatchNorm, seed " + std::to_string(seed);
                EpochMetrics m;
                m.epoch = 1;
                m.testAccuracy = accuracy;
                m.testLoss = 0.7;
                run.epochs = {m};
                test::recordRun(store, run);
            }
        }
        const test::CliOutcome out =
                test::runCli({"runs", "compare", "1", "2", "--store", dir.path()});
        QCOMPARE(out.exitCode, 0);
        QVERIFY2(out.out.contains("Seed groups"), qPrintable(out.out));
        QVERIFY2(out.out.contains("s8 BatchNorm"), qPrintable(out.out));
        QVERIFY2(out.out.contains("76.61 ± 0.85%"), qPrintable(out.out));
    }

    // A sweep (Compare Normalizations, or `sweep`) by norm, as the Comparison tab shows it, with
    // the per-class table; the tab and this command read the same engine function.
    void aSweepByNormalization()
    {
        QTemporaryDir dir;
        {
            RunStore store(dir.path().toStdString());
            const std::vector<std::pair<NormKind, double>> runs = {
                    {NormKind::Batch, 77.0}, {NormKind::Group, 75.0}, {NormKind::Batch, 78.0}};
            std::uint64_t seed = 0;
            for (const auto &[norm, accuracy] : runs) {
                test::RecordedRun run;
                run.config = presetConfig("s8-bn");
                run.config.model.norm = norm;
                run.config.seed = ++seed;
                run.sweep = "norms-1";
                EpochMetrics m;
                m.epoch = 1;
                m.testAccuracy = accuracy;
                m.confusion = {9, 1, 3, 7};
                run.epochs = {m};
                test::recordRun(store, run);
            }
        }
        const test::CliOutcome out =
                test::runCli({"runs", "compare", "--sweep", "norms-1", "--store", dir.path()});
        QCOMPARE(out.exitCode, 0);
        QVERIFY2(out.out.contains("Sweep norms-1: 3 runs"), qPrintable(out.out));
        QVERIFY2(out.out.contains("77.50 ± 0.71%"), qPrintable(out.out)); // batch's two seeds
        QVERIFY2(out.out.contains("group(4)"), qPrintable(out.out));
        QVERIFY2(out.out.contains("all classes"), qPrintable(out.out));
        QVERIFY2(out.out.contains("90.0%"), qPrintable(out.out)); // class a

        const test::CliOutcome none =
                test::runCli({"runs", "compare", "--sweep", "nope", "--store", dir.path()});
        QCOMPARE(none.exitCode, 2);
        QVERIFY2(none.err.contains("sweep 'nope'"), qPrintable(none.err));
        const test::CliOutcome one = test::runCli({"runs", "compare", "1", "--store", dir.path()});
        QCOMPARE(one.exitCode, 2);
        QVERIFY2(one.err.contains("two or more run ids"), qPrintable(one.err));
    }
};

QTEST_GUILESS_MAIN(TestCliCompare)
#include "test_cli_compare.moc"
