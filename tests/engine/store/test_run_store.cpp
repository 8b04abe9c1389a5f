// The run store on its own: schema and migrations, records read back, concurrent readers, locks,
// recovery of dead runs and every kind of bad store file.
#include "errors.h"
#include "run_store.h"
#include "run_writer.h"
#include "sqlite_db.h"
#include "test_support.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <thread>

using namespace normlab;

namespace {

EpochMetrics fakeEpoch(int epoch, int classes = 3)
{
    EpochMetrics m;
    m.epoch = epoch;
    m.trainLoss = 2.0 / epoch;
    m.trainAccuracy = 30.0 + epoch;
    m.testLoss = 1.5 / epoch;
    m.testAccuracy = 40.0 + 2 * epoch;
    m.lr = 0.01;
    m.seconds = 1.5;
    m.trainImagesPerSecond = 900;
    m.evalImagesPerSecond = 5000;
    m.processCpuSeconds = 10.0 * epoch;
    m.residentBytes = 123'456'789;
    m.wallTime = 1.7e9 + epoch;
    m.best = true;
    m.confusion.assign(static_cast<std::size_t>(classes * classes), epoch);
    m.misclassified = {{7, 0, 1, 0.75f}, {42, 2, 0, 0.5f}};
    return m;
}

QString stateOf(const RunRecord &r)
{
    return QString::fromStdString(toString(r.state));
}

NewRun newRun(const std::string &name)
{
    return {name, R"({"preset":"s8-bn","model":{"norm":"batch"},"epochs":3})", 1, {"base"}, {}, {}};
}

} // namespace

class TestRunStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void createsTheSchemaAndMigratesOldStores_data();
    void createsTheSchemaAndMigratesOldStores();
    void layerStatsReadBack();
    void recordsAndReadsBack();
    void listsWithFilters();
    void truncatesForResume();
    void refusesBadStores_data();
    void refusesBadStores();
    void secondWriterIsRefused();
    void finishedRunCannotBeClaimed();
    void deadRunIsMarkedInterrupted();
    void readerSeesEpochsWhileTheWriterCommits();
    void twoWritersOfDifferentRunsShareTheStore();
    void deleteRemovesRecordsAndFiles();
    void unknownRunIsAClearError();
    void lrTestsBelongToTheirRun();
};

void TestRunStore::createsTheSchemaAndMigratesOldStores_data()
{
    QTest::addColumn<int>("from");
    for (int version = 1; version < RunStore::kSchemaVersion; ++version)
        QTest::addRow("schema %d", version) << version;
}

void TestRunStore::createsTheSchemaAndMigratesOldStores()
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
void TestRunStore::layerStatsReadBack()
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

void TestRunStore::recordsAndReadsBack()
{
    QTemporaryDir tmp;
    RunStore store(tmp.path().toStdString());
    const std::int64_t id = store.createRun(newRun("bn"));
    QCOMPARE(stateOf(store.run(id)), QString("queued"));
    {
        RunWriter writer(store, id);
        QCOMPARE(stateOf(store.run(id)), QString("running"));
        writer.started({"synthetic", "", "abcd", {"a", "b", "c"}, 48552, "cpu"});
        for (int step = 0; step < 5; ++step)
            writer.addBatch({step, 1, 1.7e9 + step, 2.0 - 0.1 * step});
        writer.addEpoch(fakeEpoch(1));
        writer.addEpoch(fakeEpoch(2));
        writer.finish(RunState::Finished, "");
    }
    const RunRecord r = store.run(id);
    QCOMPARE(stateOf(r), QString("finished"));
    QCOMPARE(r.parameterCount, std::int64_t(48552));
    QCOMPARE(r.classNames, (std::vector<std::string> {"a", "b", "c"}));
    QCOMPARE(r.datasetFingerprint, std::string("abcd"));
    QCOMPARE(r.epochsDone, 2);
    QCOMPARE(r.bestEpoch, 2);
    QCOMPARE(r.bestTestAccuracy, 44.0);
    QCOMPARE(r.lastTestAccuracy, 44.0);
    QCOMPARE(r.tags, std::vector<std::string> {"base"});
    QVERIFY(r.startedAt > 0 && r.endedAt >= r.startedAt);

    const auto epochs = store.epochs(id, 0, true);
    QCOMPARE(epochs.size(), std::size_t(2));
    const EpochMetrics expected = fakeEpoch(2);
    QCOMPARE(epochs[1].testLoss, expected.testLoss);
    QCOMPARE(epochs[1].residentBytes, expected.residentBytes);
    QCOMPARE(epochs[1].confusion, expected.confusion);
    QCOMPARE(epochs[1].misclassified.size(), std::size_t(2));
    QCOMPARE(epochs[1].misclassified[0].index, 7);
    QCOMPARE(epochs[1].misclassified[0].confidence, 0.75f);
    QCOMPARE(store.epochs(id, 1).size(), std::size_t(1));
    QVERIFY(store.epochs(id, 0, false)[0].confusion.empty());

    const auto batches = store.batches(id);
    QCOMPARE(batches.size(), std::size_t(5));
    QCOMPARE(batches[4].loss, 1.6);
    QCOMPARE(store.batches(id, 2).size(), std::size_t(2));

    store.addTags(id, {"keep", "paper"});
    store.removeTags(id, {"base"});
    store.setNote(id, "BatchNorm baseline, ünïcode ok");
    QCOMPARE(store.run(id).tags, (std::vector<std::string> {"keep", "paper"}));
    QCOMPARE(store.run(id).note, std::string("BatchNorm baseline, ünïcode ok"));
}

void TestRunStore::listsWithFilters()
{
    QTemporaryDir tmp;
    RunStore store(tmp.path().toStdString());
    const std::int64_t a = store.createRun(newRun("alpha"));
    const std::int64_t b =
            store.createRun({"beta", R"({"model":{"norm":"group"}})", 2, {"gn"}, "sweep-1", {}});
    {
        RunWriter w(store, a);
        w.finish(RunState::Stopped, "stopped at epoch 1, batch 3");
    }
    QCOMPARE(store.runs().size(), std::size_t(2));
    QCOMPARE(store.runs({RunState::Stopped, {}, {}, {}}).front().id, a);
    QCOMPARE(store.runs({RunState::Stopped, {}, {}, {}}).front().message,
             std::string("stopped at epoch 1, batch 3"));
    QCOMPARE(store.runs({std::nullopt, "gn", {}, {}}).front().id, b);
    QCOMPARE(store.runs({std::nullopt, {}, "GROUP", {}}).front().id, b); // config text, any case
    QCOMPARE(store.runs({std::nullopt, {}, "alp", {}}).front().id, a);
    QCOMPARE(store.runs({std::nullopt, {}, {}, "sweep-1"}).size(), std::size_t(1));
    QCOMPARE(store.queued(), std::vector<std::int64_t> {b});
    QCOMPARE(store.queued("sweep-1"), std::vector<std::int64_t> {b});
    QVERIFY(store.queued("other").empty());
}

void TestRunStore::truncatesForResume()
{
    QTemporaryDir tmp;
    RunStore store(tmp.path().toStdString());
    const std::int64_t id = store.createRun(newRun("resumable"));
    {
        RunWriter w(store, id);
        w.addEpoch(fakeEpoch(1));
        w.addEpoch(fakeEpoch(2));
        w.addBatch({300, 3, 1.7e9, 1.0}); // part of an epoch that never finished
        w.finish(RunState::Stopped);
    }
    QCOMPARE(store.batches(id).size(), std::size_t(1));
    RunWriter w(store, id);
    w.truncateAfter(1);
    QCOMPARE(store.run(id).epochsDone, 1);
    QVERIFY(store.misclassified(id, 2).empty());
    QVERIFY(store.batches(id).empty());
}

void TestRunStore::refusesBadStores_data()
{
    QTest::addColumn<QByteArray>("kind");
    QTest::addColumn<QString>("expected");
    QTest::newRow("not sqlite") << QByteArray("garbage") << "not an SQLite database";
    QTest::newRow("another program's database") << QByteArray("foreign") << "another program";
    QTest::newRow("newer schema") << QByteArray("newer") << "newer NormLab";
    QTest::newRow("store is a file") << QByteArray("file") << "not a folder";
    QTest::newRow("truncated database") << QByteArray("truncated") << "normlab.db";
}

void TestRunStore::refusesBadStores()
{
    QFETCH(QByteArray, kind);
    QFETCH(QString, expected);
    QTemporaryDir tmp;
    std::string dir = tmp.path().toStdString();
    const QString db = tmp.path() + "/normlab.db";
    if (kind == "garbage") {
        test::writeAll(db, QByteArray(8192, 'x'));
    } else if (kind == "foreign") {
        SqliteDb foreign(db.toStdString(), SqliteDb::Mode::ReadWrite);
        foreign.exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)");
    } else if (kind == "newer") {
        {
            RunStore store(dir);
        }
        SqliteDb raw(db.toStdString(), SqliteDb::Mode::ReadWrite);
        raw.exec("PRAGMA user_version = 99");
    } else if (kind == "file") {
        dir += "/plain-file";
        test::writeAll(QString::fromStdString(dir), "not a folder");
    } else if (kind == "truncated") {
        {
            RunStore store(dir);
            for (int i = 0; i < 50; ++i)
                store.createRun(newRun(std::string(2000, 'n')));
        }
        QFile f(db);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.size() > 8192);
        f.resize(4096 + 100); // cuts pages in half: the database is corrupt
        QFile::remove(db + "-wal");
        QFile::remove(db + "-shm");
    }
    try {
        RunStore store(dir);
        store.runs(); // a corrupt page may only show when read
        QFAIL("the store opened");
    } catch (const StoreError &e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(expected), e.what());
    }
}

void TestRunStore::secondWriterIsRefused()
{
    QTemporaryDir tmp;
    RunStore store(tmp.path().toStdString());
    const std::int64_t id = store.createRun(newRun("busy"));
    RunWriter first(store, id);
    QVERIFY(isRunLocked(store.runDir(id)));
    RunStore other(tmp.path().toStdString()); // another connection must not take the run as dead
    QCOMPARE(stateOf(other.run(id)), QString("running"));
    QVERIFY(other.recovered().empty());
    try {
        RunWriter second(other, id);
        QFAIL("a second writer claimed a run that is training");
    } catch (const StoreError &e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains("being trained by another process"),
                 e.what());
    }
    QVERIFY_THROWS_EXCEPTION(StoreError, other.deleteRun(id));
}

void TestRunStore::finishedRunCannotBeClaimed()
{
    QTemporaryDir tmp;
    RunStore store(tmp.path().toStdString());
    const std::int64_t id = store.createRun(newRun("done"));
    RunWriter(store, id).finish(RunState::Finished);
    QVERIFY_THROWS_EXCEPTION(StoreError, RunWriter(store, id));
    QVERIFY(!isRunLocked(store.runDir(id)));
}

void TestRunStore::deadRunIsMarkedInterrupted()
{
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    std::int64_t id = 0;
    {
        RunStore store(dir);
        id = store.createRun(newRun("crashed"));
        RunWriter(store, id).addEpoch(fakeEpoch(1)); // records then "fails"
        // What a killed process leaves: status running, no lock held (tests/test_cli_store.cpp
        // kills a real one).
        SqliteStatement(store.db(), "UPDATE runs SET status = 'running', pid = 4242").exec();
    }
    RunStore reopened(dir);
    QCOMPARE(reopened.recovered(), std::vector<std::int64_t> {id});
    const RunRecord r = reopened.run(id);
    QCOMPARE(stateOf(r), QString("interrupted"));
    QVERIFY2(r.message.find("4242") != std::string::npos, r.message.c_str());
    QCOMPARE(r.epochsDone, 1);
    QCOMPARE(r.endedAt, fakeEpoch(1).wallTime);
}

void TestRunStore::readerSeesEpochsWhileTheWriterCommits()
{
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    RunStore reader(dir);
    const std::int64_t id = reader.createRun(newRun("live"));
    constexpr int kEpochs = 30;
    std::atomic<bool> go {false};
    std::thread writerThread([&] {
        RunStore own(dir); // one connection per thread
        RunWriter writer(own, id);
        go = true;
        for (int e = 1; e <= kEpochs; ++e) {
            writer.addEpoch(fakeEpoch(e, 10));
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        writer.finish(RunState::Finished);
    });
    QTRY_VERIFY(go.load());
    // Poll as a GUI would: only new epochs, and never a half-written one.
    int seen = 0;
    int polls = 0;
    bool sawPartial = false;
    while (seen < kEpochs && polls < 100'000) {
        ++polls;
        for (const EpochMetrics &m : reader.epochs(id, seen, true)) {
            QCOMPARE(m.epoch, seen + 1);
            QCOMPARE(m.confusion.size(), std::size_t(100));
            QCOMPARE(m.misclassified.size(), std::size_t(2));
            seen = m.epoch;
        }
        if (seen > 0 && seen < kEpochs)
            sawPartial = true;
    }
    writerThread.join();
    QCOMPARE(seen, kEpochs);
    QVERIFY2(sawPartial, "the reader never saw the run while it was being written");
    QCOMPARE(stateOf(reader.run(id)), QString("finished"));
}

void TestRunStore::twoWritersOfDifferentRunsShareTheStore()
{
    // Two processes training into one store: SQLite's lock serialises their commits.
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    std::int64_t ids[2];
    {
        RunStore store(dir);
        ids[0] = store.createRun(newRun("one"));
        ids[1] = store.createRun(newRun("two"));
    }
    constexpr int kEpochs = 40;
    auto write = [&](std::int64_t id) {
        RunStore own(dir);
        RunWriter writer(own, id);
        for (int e = 1; e <= kEpochs; ++e) {
            for (int b = 0; b < 20; ++b)
                writer.addBatch({e * 20 + b, e, 1.7e9, 1.0});
            writer.addEpoch(fakeEpoch(e, 10));
        }
        writer.finish(RunState::Finished);
    };
    std::thread first(write, ids[0]);
    std::thread second(write, ids[1]);
    first.join();
    second.join();
    RunStore store(dir);
    for (const std::int64_t id : ids) {
        QCOMPARE(store.run(id).epochsDone, kEpochs);
        QCOMPARE(store.batches(id).size(), std::size_t(kEpochs * 20));
        QCOMPARE(stateOf(store.run(id)), QString("finished"));
    }
}

void TestRunStore::deleteRemovesRecordsAndFiles()
{
    QTemporaryDir tmp;
    RunStore store(tmp.path().toStdString());
    const std::int64_t keep = store.createRun(newRun("keep"));
    const std::int64_t drop = store.createRun(newRun("drop"));
    {
        RunWriter w(store, drop);
        w.addEpoch(fakeEpoch(1));
        w.finish(RunState::Finished);
    }
    test::writeAll(QString::fromStdString(store.runDir(drop) + "/last.pt"), "checkpoint");
    store.deleteRun(drop);
    QVERIFY(!QFile::exists(QString::fromStdString(store.runDir(drop))));
    QVERIFY_THROWS_EXCEPTION(StoreError, store.run(drop));
    QVERIFY(store.epochs(drop).empty());
    QVERIFY(store.misclassified(drop, 1).empty());
    QCOMPARE(store.run(keep).name, std::string("keep"));
}

void TestRunStore::unknownRunIsAClearError()
{
    QTemporaryDir tmp;
    RunStore store(tmp.path().toStdString());
    for (auto attempt : std::initializer_list<std::function<void()>> {
                 [&] { store.run(77); }, [&] { store.addTags(77, {"x"}); },
                 [&] { store.setNote(77, "x"); }, [&] { store.deleteRun(77); },
                 [&] { RunWriter(store, 77); }}) {
        try {
            attempt();
            QFAIL("no error for run 77");
        } catch (const StoreError &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains("no run 77"), e.what());
        }
    }
}

// A learning-rate range test is kept with the run it belongs to (or with none), its curve read
// back exactly; deleting the run deletes its tests.
void TestRunStore::lrTestsBelongToTheirRun()
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

QTEST_GUILESS_MAIN(TestRunStore)
#include "test_run_store.moc"
