// The run store on its own: records read back, concurrent readers, locks, recovery of dead runs
// and every kind of bad store file (schema, migrations, layer statistics and LR tests: in
// test_run_store_schema).
#include "errors.h"
#include "run_store.h"
#include "run_store_fixtures.h"
#include "run_writer.h"
#include "sqlite_db.h"
#include "test_support.h"

#include <nlohmann/json.hpp>

#include <QDir>
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
using namespace normlab::test;

class TestRunStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
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
    void bestCheckpointIsTheLowestTestLoss();
    void relativeDataIsRecordedAbsolute_data();
    void relativeDataIsRecordedAbsolute();
};

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

// The best checkpoint is the trainer's: the last epoch that lowered the test loss, which need not
// be the epoch of the highest test accuracy (run 4 of the development store: 99 against 100).
void TestRunStore::bestCheckpointIsTheLowestTestLoss()
{
    QTemporaryDir tmp;
    RunStore store(tmp.path().toStdString());
    const std::int64_t id = store.createRun(newRun("best"));
    QCOMPARE(store.run(id).bestCheckpointEpoch, 0);
    {
        RunWriter w(store, id);
        for (int epoch = 1; epoch <= 4; ++epoch) {
            EpochMetrics m = fakeEpoch(epoch);
            m.best = epoch != 4; // epoch 4's test loss went up
            m.testAccuracy = epoch == 4 ? 30.0 : 40.0 + epoch;
            w.addEpoch(m);
        }
        EpochMetrics fifth = fakeEpoch(5);
        fifth.best = false;
        fifth.testAccuracy = 50.0; // the highest accuracy, not the lowest loss
        w.addEpoch(fifth);
        w.finish(RunState::Finished);
    }
    const RunRecord r = store.run(id);
    QCOMPARE(r.bestEpoch, 5);
    QCOMPARE(r.bestCheckpointEpoch, 3);
}

void TestRunStore::relativeDataIsRecordedAbsolute_data()
{
    QTest::addColumn<QString>("config");
    QTest::addColumn<QString>("expected"); // data.source as recorded; "*" = the config as given
    const QString here = QDir::current().canonicalPath(); // as the store resolves it
    QTest::newRow("relative") << R"({"data":{"source":"../data/cifar10"}})"
                              << QDir::cleanPath(here + "/../data/cifar10");
    QTest::newRow("dot") << R"({"data":{"source":"./cifar"}})" << here + "/cifar";
    QTest::newRow("absolute") << R"({"data":{"source":"/srv/cifar10"}})"
                              << "*";
    QTest::newRow("cifar10") << R"({"data":{"source":"cifar10"}})"
                             << "*";
    QTest::newRow("synthetic") << R"({"data":{"source":"synthetic"}})"
                               << "*";
    QTest::newRow("no data") << R"({"epochs":2})"
                             << "*";
    QTest::newRow("not json") << "{not json"
                              << "*";
}

// Read later from another folder (resume, evaluate, the Mistakes tab), a relative path would be
// another folder or none.
void TestRunStore::relativeDataIsRecordedAbsolute()
{
    QFETCH(QString, config);
    QFETCH(QString, expected);
    QTemporaryDir tmp;
    RunStore store(tmp.path().toStdString());
    const std::int64_t id = store.createRun({"data", config.toStdString(), 1, {}, {}, {}});
    const std::string recorded = store.run(id).configJson;
    if (expected == "*") {
        QCOMPARE(recorded, config.toStdString());
        return;
    }
    const auto json = nlohmann::json::parse(recorded);
    QCOMPARE(QString::fromStdString(json.at("/data/source"_json_pointer).get<std::string>()),
             expected);
}

QTEST_GUILESS_MAIN(TestRunStore)
#include "test_run_store.moc"
