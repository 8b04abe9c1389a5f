// The run store's schema and what later versions added to it: migrations from every older
// schema, the per-layer statistics and the LR range tests read back.
#include "errors.h"
#include "run_store.h"
#include "run_store_fixtures.h"
#include "run_writer.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <limits>

using namespace normlab;
using namespace normlab::test;

class TestRunStoreSchema : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void createsTheSchemaAndMigratesOldStores_data();
    void createsTheSchemaAndMigratesOldStores();
    void layerStatsReadBack();
    void lrTestsBelongToTheirRun();
};

void TestRunStoreSchema::createsTheSchemaAndMigratesOldStores_data()
{
    QTest::addColumn<int>("from");
    for (int version = 1; version < RunStore::kSchemaVersion; ++version)
        QTest::addRow("schema %d", version) << version;
}

void TestRunStoreSchema::createsTheSchemaAndMigratesOldStores()
{
    QFETCH(int, from);
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    std::int64_t id = 0;
    {
        RunStore old(dir, {false, from});
        QCOMPARE(old.schemaVersion(), from);
        id = old.createRun(newRun("from an old store"));
        RunWriter writer(old, id);
        writer.addEpoch(fakeEpoch(1));
        writer.finish(RunState::Finished);
    }
    RunStore latest(dir);
    QCOMPARE(latest.schemaVersion(), RunStore::kSchemaVersion);
    const RunRecord r = latest.run(id);
    QCOMPARE(r.name, std::string("from an old store"));
    QCOMPARE(stateOf(r), QString("finished"));
    QCOMPARE(r.epochsDone, 1);
    QCOMPARE(latest.epochs(id).at(0).testAccuracy, fakeEpoch(1).testAccuracy);
    QCOMPARE(latest.misclassified(id, 1).size(), std::size_t(2));
    QVERIFY(latest.batches(id).empty()); // the tables later versions added exist and are empty
    QVERIFY(latest.layerStats(id).empty());
    QVERIFY(latest.layerHistograms(id).empty());

    // A new run in the upgraded store records everything the latest schema has.
    const std::int64_t next = latest.createRun(newRun("after the upgrade"));
    {
        RunWriter writer(latest, next);
        writer.addLayerStats({1, -1, {{0, "conv1", {}}}});
        writer.addLayerHistograms({{1, 0, -1.0, 1.0, {3, 4}}});
        writer.addEpoch(fakeEpoch(1));
        writer.finish(RunState::Finished);
    }
    QCOMPARE(latest.layerStats(next).size(), std::size_t(1));
    QCOMPARE(latest.layerHistograms(next).size(), std::size_t(1));

    // Opening again migrates nothing and keeps everything.
    RunStore again(dir);
    QCOMPARE(again.run(id).epochsDone, 1);
    QCOMPARE(again.runs().size(), std::size_t(2));
}

// Per-layer statistics come back as written (NaN too), in order, probes alone on request, and a
// resume's truncation drops those of the epochs it redoes.
void TestRunStoreSchema::layerStatsReadBack()
{
    QTemporaryDir tmp;
    RunStore store(tmp.path().toStdString());
    const std::int64_t id = store.createRun(newRun("inside"));
    const double nan = std::numeric_limits<double>::quiet_NaN();
    auto rowOf = [&](int layer, double base) {
        LayerStatsRow row;
        row.layer = layer;
        row.name = "conv" + std::to_string(layer + 1);
        for (int s = 0; s < kLayerStatCount; ++s)
            row.values[static_cast<std::size_t>(s)] = base + 0.125 * s;
        row[LayerStat::RunningMeanGap] = nan; // not BatchNorm
        return row;
    };
    std::vector<LayerStatsSample> written;
    for (int epoch = 1; epoch <= 3; ++epoch) {
        written.push_back({epoch, epoch * 10 - 5, {rowOf(0, epoch), rowOf(1, epoch + 0.5)}});
        written.push_back({epoch, -1, {rowOf(0, -epoch), rowOf(1, 1e-9 * epoch)}});
    }
    {
        RunWriter writer(store, id);
        for (int epoch = 1; epoch <= 3; ++epoch) {
            writer.addLayerStats(written[static_cast<std::size_t>(2 * epoch - 2)]);
            writer.addLayerStats(written[static_cast<std::size_t>(2 * epoch - 1)]);
            writer.addLayerHistograms({{epoch, 0, -2.0 * epoch, 2.0 * epoch, {1, 5, 0, 2}},
                                       {epoch, 1, 0.0, 1.5, {0, 0, 9, 1}}});
            writer.addEpoch(fakeEpoch(epoch));
        }
        writer.finish(RunState::Stopped);
    }
    const std::vector<LayerStatsSample> read = store.layerStats(id);
    QCOMPARE(read.size(), written.size());
    for (std::size_t i = 0; i < read.size(); ++i) {
        QCOMPARE(read[i].epoch, written[i].epoch);
        QCOMPARE(read[i].step, written[i].step);
        QCOMPARE(read[i].layers.size(), std::size_t(2));
        for (std::size_t l = 0; l < 2; ++l) {
            QCOMPARE(read[i].layers[l].layer, written[i].layers[l].layer);
            QCOMPARE(read[i].layers[l].name, written[i].layers[l].name);
            for (int s = 0; s < kLayerStatCount; ++s) {
                const double want = written[i].layers[l].values[static_cast<std::size_t>(s)];
                const double got = read[i].layers[l].values[static_cast<std::size_t>(s)];
                if (std::isnan(want))
                    QVERIFY(std::isnan(got));
                else
                    QCOMPARE(got, want);
            }
        }
    }
    const auto probes = store.layerStats(id, true);
    QCOMPARE(probes.size(), std::size_t(3));
    for (const LayerStatsSample &p : probes)
        QCOMPARE(p.step, std::int64_t(-1));
    const auto histograms = store.layerHistograms(id);
    QCOMPARE(histograms.size(), std::size_t(6));
    QCOMPARE(histograms[2].epoch, 2);
    QCOMPARE(histograms[2].lo, -4.0);
    QCOMPARE(histograms[2].counts, (std::vector<std::int64_t> {1, 5, 0, 2}));

    // Resuming from epoch 1's checkpoint redoes epochs 2 and 3: their statistics go.
    {
        RunWriter writer(store, id);
        writer.truncateAfter(1);
        writer.finish(RunState::Stopped);
    }
    QCOMPARE(store.layerStats(id).size(), std::size_t(2));
    QCOMPARE(store.layerHistograms(id).size(), std::size_t(2));

    // Deleting the run deletes them.
    store.deleteRun(id);
    QVERIFY(store.layerStats(id).empty());
    QVERIFY(store.layerHistograms(id).empty());
}

// A learning-rate range test is kept with the run it belongs to (or with none), its curve read
// back exactly; deleting the run deletes its tests.
void TestRunStoreSchema::lrTestsBelongToTheirRun()
{
    QTemporaryDir tmp;
    RunStore store(tmp.path().toStdString());
    const std::int64_t id = store.createRun(newRun("bn"));
    LrTestRecord test;
    test.runId = id;
    test.configJson = "{}";
    test.startLr = 1e-5;
    test.endLr = 1;
    test.iterations = 3;
    test.points = {{1e-5, 2.31, 2.31}, {3.2e-3, 2.2, 2.3045}, {1, 9.5, 2.66}};
    test.diverged = true;
    test.suggestedLr = 3.2e-3;
    test.rule = "steepest descent";
    const std::int64_t testId = store.addLrTest(test);
    LrTestRecord alone = test;
    alone.runId = 0;
    alone.suggestedLr = 0;
    store.addLrTest(alone);

    const std::vector<LrTestRecord> tests = store.lrTests(id);
    QCOMPARE(tests.size(), std::size_t(1));
    QCOMPARE(tests[0].id, testId);
    QCOMPARE(tests[0].runId, id);
    QCOMPARE(tests[0].points.size(), std::size_t(3));
    QCOMPARE(tests[0].points[1].smoothedLoss, 2.3045);
    QCOMPARE(tests[0].suggestedLr, 3.2e-3);
    QVERIFY(tests[0].diverged);
    QVERIFY(tests[0].createdAt > 0);
    QCOMPARE(store.lrTests(0).size(), std::size_t(1));
    QCOMPARE(store.lrTests(0)[0].suggestedLr, 0.0);

    LrTestRecord orphan = test;
    orphan.runId = id + 100;
    QVERIFY_THROWS_EXCEPTION(StoreError, store.addLrTest(orphan));
    store.deleteRun(id);
    QVERIFY(store.lrTests(id).empty());
    QCOMPARE(store.lrTests(0).size(), std::size_t(1));
}

QTEST_GUILESS_MAIN(TestRunStoreSchema)
#include "test_run_store_schema.moc"
