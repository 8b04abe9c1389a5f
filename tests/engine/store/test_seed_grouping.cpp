// Seed groups and their statistics, in the engine for every view: mean ± std over the seeds.

#include "config_json.h"
#include "presets.h"
#include "recorded_runs.h"
#include "run_store.h"
#include "seed_grouping.h"
#include "statistics.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

using namespace normlab;

namespace {

std::int64_t recordRun(RunStore &store, std::uint64_t seed, const std::vector<double> &testLoss,
                       const std::string &name)
{
    test::RecordedRun run;
    run.config = presetConfig("s8-bn");
    run.config.seed = seed;
    run.name = name;
    for (std::size_t e = 0; e < testLoss.size(); ++e) {
        EpochMetrics m;
        m.epoch = static_cast<int>(e) + 1;
        m.testLoss = testLoss[e];
        m.testAccuracy = 100 - 10 * testLoss[e];
        run.epochs.push_back(m);
    }
    return test::recordRun(store, run);
}

} // namespace

class TestSeedGrouping : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void meanAndSampleStd()
    {
        const MeanStd s = meanStd({1.0, 2.0, 3.0, 4.0});
        QCOMPARE(s.mean, 2.5);
        QCOMPARE(s.std, std::sqrt(5.0 / 3.0));
        QCOMPARE(meanStd({7.0}).std, 0.0);
        QCOMPARE(meanStd({}).mean, 0.0);
        QCOMPARE(QString::fromStdString(formatMeanStd({76.01, 77.21}, 2, "%")),
                 QString("76.61 ± 0.85%"));
        QCOMPARE(QString::fromStdString(formatMeanStd({75.46}, 2, "%")), QString("75.46%"));
        QCOMPARE(QString::fromStdString(formatMeanStd({}, 2)), QString("-"));
    }

    void groupsSeedsLeavesRepeatsOut()
    {
        QTemporaryDir dir;
        RunStore store(dir.path().toStdString());
        const auto a = recordRun(store, 1, {2.0, 1.2}, "s8 BatchNorm, seed 1");
        const auto b = recordRun(store, 2, {1.8, 1.0}, "s8 BatchNorm, seed 2");
        const auto repeat = recordRun(store, 1, {2.1}, "s8 BatchNorm, seed 1");
        const SeedGrouping g = groupBySeed(store, {a, b, repeat});
        QCOMPARE(g.groups.size(), std::size_t(1));
        const SeedGroup &group = g.groups.front();
        QCOMPARE(group.seedCount(), 2);
        QCOMPARE(group.repeats.size(), std::size_t(1));
        QCOMPARE(group.repeats.front().id, repeat); // fewer epochs than run a
        QCOMPARE(group.testLoss.mean[1], 1.1);
        QCOMPARE(group.testLoss.std[1], std::sqrt(0.02));
        QCOMPARE(QString::fromStdString(group.name()), QString("s8 BatchNorm"));
    }

    // A run recorded before a config field existed groups with one that has it at its default,
    // not with one that changed it; seed and name never split a group.
    void keyReadsOlderConfigsWithDefaults()
    {
        ExperimentConfig c = presetConfig("s8-bn");
        nlohmann::json full = toJson(c);
        nlohmann::json older = full;
        older.erase("test_time_shift");
        older["seed"] = 7;
        older["name"] = "another";
        QCOMPARE(experimentKey(older.dump()), experimentKey(full.dump()));
        c.testTimeShift = 2;
        QVERIFY(experimentKey(toJson(c).dump()) != experimentKey(full.dump()));
        QCOMPARE(experimentKey("not json"), std::string());
        // One this NormLab cannot read is grouped by its text.
        nlohmann::json foreign = full;
        foreign["epochs"] = -5;
        QVERIFY(!experimentKey(foreign.dump()).empty());
        QVERIFY(experimentKey(foreign.dump()) != experimentKey(full.dump()));
        // A `tiny` run from before the shifts ran without them: not a seed of today's `tiny`.
        const nlohmann::json tinyToday = toJson(presetConfig("tiny"));
        nlohmann::json tinyBefore = tinyToday;
        tinyBefore.erase("test_time_shift");
        QVERIFY(experimentKey(tinyBefore.dump()) != experimentKey(tinyToday.dump()));
        nlohmann::json tinyWithoutShifts = tinyToday;
        tinyWithoutShifts["test_time_shift"] = 0;
        QCOMPARE(experimentKey(tinyBefore.dump()), experimentKey(tinyWithoutShifts.dump()));
    }

    void namesWithoutSeed_data()
    {
        QTest::addColumn<QString>("run");
        QTest::addColumn<QString>("group");
        QTest::newRow("words") << "s8 GroupNorm, seed 2"
                               << "s8 GroupNorm";
        QTest::newRow("grid") << "s8-bn norm=batch seed=1"
                              << "s8-bn norm=batch";
        QTest::newRow("only a seed") << "seed=4"
                                     << "seed=4";
    }

    void namesWithoutSeed()
    {
        QFETCH(QString, run);
        QFETCH(QString, group);
        QCOMPARE(QString::fromStdString(nameWithoutSeed(run.toStdString())), group);
    }
};

QTEST_GUILESS_MAIN(TestSeedGrouping)
#include "test_seed_grouping.moc"
