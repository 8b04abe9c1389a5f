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
};

QTEST_GUILESS_MAIN(TestCliCompare)
#include "test_cli_compare.moc"
