// Stores merged into one (what `normlab-cli store merge` does with a cluster sweep's task stores):
// every started run that is not training comes over once with all it recorded and its
// checkpoints; merged again, what did not change stays, what changed is replaced under the same
// id, what is training waits; bad sources are named.
#include "errors.h"
#include "recorded_runs.h"
#include "run_store.h"
#include "run_writer.h"
#include "store_merge.h"
#include "test_support.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>

using namespace normlab;
using namespace normlab::test;

namespace {

void writeFile(const std::string &path, const QByteArray &bytes)
{
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    QFile f(QString::fromStdString(path));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

QByteArray readFile(const std::string &path)
{
    QFile f(QString::fromStdString(path));
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// The merged run of `sourceId` in `into`.
RunRecord mergedRun(const RunStore &into, const RunStore &source, std::int64_t sourceId)
{
    for (const RunRecord &r : into.runs())
        if (r.origin.size() > 0 &&
            r.origin.substr(r.origin.rfind('#') + 1) == std::to_string(sourceId) &&
            r.origin.find(std::filesystem::weakly_canonical(source.dir()).string()) == 0)
            return r;
    qFatal("run %lld was not merged", static_cast<long long>(sourceId));
}

} // namespace

class TestStoreMerge : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void mergesStartedRunsOnceWithAllTheyRecorded();
    void aChangedRunIsReplacedUnderItsId();
    void aRunTrainingNowWaits();
    void badSources_data();
    void badSources();
};

void TestStoreMerge::mergesStartedRunsOnceWithAllTheyRecorded()
{
    QTemporaryDir main, task;
    RunStore into(main.filePath("store").toStdString());
    recordRun(into, 1, {2.0, 1.5}); // the person's own run, id 1
    RunStore source(task.filePath("store").toStdString());
    const std::int64_t a = recordRun(source, 7, {1.9, 1.4, 1.2});
    const std::int64_t b = recordRun(source, 8, {2.1, 1.8});
    source.addTags(a, {"gn", "cluster"});
    writeFile(source.runDir(a) + "/last.pt", "last weights");
    writeFile(source.runDir(a) + "/best.pt", "best weights");
    source.createRun({"not started", "{}", 9, {}, "sweep-1", {}});

    const MergeSummary first = mergeStore(into, source.dir());
    QCOMPARE(first.imported, 2);
    QCOMPARE(first.queued, 1);
    QCOMPARE(into.runs().size(), std::size_t(3));
    const RunRecord merged = mergedRun(into, source, a);
    QVERIFY(merged.id != 1);
    QCOMPARE(toString(merged.state), toString(RunState::Finished));
    QCOMPARE(merged.seed, std::uint64_t(7));
    QCOMPARE(merged.tags, (std::vector<std::string> {"cluster", "gn"}));
    const std::vector<EpochMetrics> theirs = source.epochs(a, 0, true);
    const std::vector<EpochMetrics> ours = into.epochs(merged.id, 0, true);
    QCOMPARE(ours.size(), theirs.size());
    for (std::size_t e = 0; e < ours.size(); ++e) {
        QCOMPARE(ours[e].testLoss, theirs[e].testLoss);
        QCOMPARE(ours[e].confusion, theirs[e].confusion);
        QCOMPARE(ours[e].misclassified.size(), theirs[e].misclassified.size());
    }
    QCOMPARE(readFile(into.checkpointDir(merged.id) + "/last.pt"), QByteArray("last weights"));
    QCOMPARE(readFile(into.checkpointDir(merged.id) + "/best.pt"), QByteArray("best weights"));
    QCOMPARE(toString(mergedRun(into, source, b).state), toString(RunState::Finished));

    const MergeSummary again = mergeStore(into, source.dir());
    QCOMPARE(again.imported, 0);
    QCOMPARE(again.unchanged, 2);
    QCOMPARE(into.runs().size(), std::size_t(3));
}

void TestStoreMerge::aChangedRunIsReplacedUnderItsId()
{
    QTemporaryDir main, task;
    RunStore into(main.filePath("store").toStdString());
    RunStore source(task.filePath("store").toStdString());
    RecordedRun stopped;
    stopped.config = quickConfig(3);
    stopped.end = RunState::Stopped;
    EpochMetrics m;
    m.epoch = 1;
    m.testLoss = 1.5;
    m.testAccuracy = 40;
    stopped.epochs = {m};
    const std::int64_t id = recordRun(source, stopped);

    QCOMPARE(mergeStore(into, source.dir()).imported, 1);
    const RunRecord before = mergedRun(into, source, id);
    QCOMPARE(toString(before.state), toString(RunState::Stopped));
    QCOMPARE(before.epochsDone, 1);

    { // the task resumes it and finishes
        RunWriter writer(source, id);
        writer.started({"synthetic", "", "fp", {}, 48552, "cpu"});
        for (int e = 2; e <= 3; ++e) {
            m.epoch = e;
            writer.addEpoch(m);
        }
        writer.finish(RunState::Finished);
    }
    const MergeSummary again = mergeStore(into, source.dir());
    QCOMPARE(again.updated, 1);
    QCOMPARE(into.runs().size(), std::size_t(1));
    const RunRecord after = mergedRun(into, source, id);
    QCOMPARE(after.id, before.id);
    QCOMPARE(toString(after.state), toString(RunState::Finished));
    QCOMPARE(after.epochsDone, 3);
}

void TestStoreMerge::aRunTrainingNowWaits()
{
    QTemporaryDir main, task;
    RunStore into(main.filePath("store").toStdString());
    RunStore source(task.filePath("store").toStdString());
    const std::int64_t id = source.createRun({"training", "{}", 1, {}, {}, {}});
    {
        RunWriter writer(source, id); // holds the run's lock, as a training process does
        writer.started({"synthetic", "", "fp", {}, 48552, "cpu"});
        const MergeSummary during = mergeStore(into, source.dir());
        QCOMPARE(during.training, 1);
        QCOMPARE(during.imported, 0);
        QVERIFY(into.runs().empty());
        writer.finish(RunState::Stopped);
    }
    QCOMPARE(mergeStore(into, source.dir()).imported, 1);
    QCOMPARE(toString(into.runs().front().state), toString(RunState::Stopped));
}

void TestStoreMerge::badSources_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("message");
    QTest::newRow("missing folder") << "missing"
                                    << "is not a folder";
    QTest::newRow("not a store") << "garbage"
                                 << "normlab.db";
    QTest::newRow("itself") << "itself"
                            << "is the store being merged into";
}

void TestStoreMerge::badSources()
{
    QFETCH(QString, kind);
    QFETCH(QString, message);
    QTemporaryDir main, other;
    RunStore into(main.filePath("store").toStdString());
    std::string dir = other.filePath("nothing").toStdString();
    if (kind == "garbage") {
        dir = other.path().toStdString();
        writeFile(dir + "/normlab.db", QByteArray(4096, 'x'));
    } else if (kind == "itself") {
        dir = into.dir();
    }
    try {
        mergeStore(into, dir);
        QFAIL("merged a bad source");
    } catch (const StoreError &e) {
        QVERIFY2(QString(e.what()).contains(message), e.what());
    }
    QVERIFY(into.runs().empty());
}

QTEST_GUILESS_MAIN(TestStoreMerge)
#include "test_store_merge.moc"
