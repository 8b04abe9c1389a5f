// Faults through normlab-cli, with real processes: a disk full from the start or while a
// checkpoint is written, SIGINT, SIGTERM and SIGHUP, 20 SIGKILLs at random moments of one run, and
// a question fed endless input all end in a clear message or a clean stop, and no run is lost.
#include "store_cli.h"
#include "test_support.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <random>
#include <sys/resource.h>
#include <unistd.h>

using namespace normlab::test;

class TestCliFaults : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fullDisk();
    void checkpointOnAFullDisk();
    void stopSignals_data();
    void stopSignals();
    void crashLoopEndsLikeItsTwin();
    void questionsReadABoundedLine();
};

// 20 SIGKILLs at random moments of one run (loading, mid-epoch, while an epoch or a checkpoint
// is written), resumed each time: it ends epoch for epoch equal to an uninterrupted twin, with no
// temporary file left.
void TestCliFaults::crashLoopEndsLikeItsTwin()
{
    QTemporaryDir tmp;
    const Cli cli(tmp.path());
    const QStringList quick {"s8-bn",        "--data",    "synthetic", "--train-limit", "480",
                             "--test-limit", "64",        "--epochs",  "8",             "--threads",
                             "1",            "--json"};
    QCOMPARE(cli.run(QStringList {"train"} + quick + QStringList {"--name", "twin"}).exitCode, 0);

    std::mt19937 random(7); // the same moments on every run of the test
    std::uniform_int_distribution<int> delayMs(50, 1500);
    QProcess victim;
    cli.start(victim, QStringList {"train"} + quick + QStringList {"--name", "victim"});
    QVERIFY(waitForEvent(victim, [](const QJsonObject &j) { return j["event"] == "start"; }));
    int kills = 0;
    for (int attempt = 0; attempt < 20; ++attempt) {
        if (!victim.waitForFinished(delayMs(random))) {
            ::kill(static_cast<pid_t>(victim.processId()), SIGKILL);
            QVERIFY(victim.waitForFinished());
            ++kills;
        }
        if (cli.runs()[1].toObject()["status"].toString() == "finished")
            break;
        cli.start(victim, {"resume", "2", "--json"});
    }
    QVERIFY2(kills >= 15, qPrintable(QString("only %1 kills").arg(kills)));
    qInfo("%d SIGKILLs", kills);
    victim.waitForFinished(kTimeoutMs); // the last resume, left to run
    while (cli.runs()[1].toObject()["status"].toString() != "finished")
        QCOMPARE(cli.run({"resume", "2"}).exitCode, 0);

    const QJsonArray a = epochsOf(cli.show(1));
    const QJsonArray b = epochsOf(cli.show(2));
    QCOMPARE(b.size(), a.size());
    for (int e = 0; e < a.size(); ++e)
        for (const char *key :
             {"train_loss", "train_acc", "test_loss", "test_acc", "lr", "misclassified"})
            QCOMPARE(b[e].toObject()[key].toDouble(), a[e].toObject()[key].toDouble());
    const QStringList left = QDir(tmp.path() + "/runs/2").entryList(QDir::Files);
    QVERIFY2(left.filter(".tmp").isEmpty(), qPrintable(left.join(", ")));
}


void TestCliFaults::fullDisk()
{
    // A file-size limit of zero stands in for a full disk: every write fails.
    QTemporaryDir tmp;
    const auto limitFiles = [] {
        std::signal(SIGXFSZ, SIG_IGN);
        const rlimit none {0, 0};
        ::setrlimit(RLIMIT_FSIZE, &none);
    };
    const CliOutcome o =
            Cli(tmp.path() + "/store")
                    .run({"train", "--epochs", "1", "--train-limit", "100"}, limitFiles);
    QCOMPARE(o.exitCode, 2);
    QVERIFY2(o.err.contains("normlab.db"), qPrintable(o.err));
    QVERIFY2(!o.err.contains("internal error"), qPrintable(o.err));
}


// The disk fills while the checkpoint is written (a file-size limit below its size, above the
// store's): LibTorch's writer used to throw from its destructor and abort, leaving last.pt.tmp.
void TestCliFaults::checkpointOnAFullDisk()
{
    QTemporaryDir tmp;
    const Cli cli(tmp.path() + "/store");
    const auto limitFiles = [] {
        std::signal(SIGXFSZ, SIG_IGN);
        const rlimit small {300'000, 300'000}; // s8's checkpoint is about 400 KB
        ::setrlimit(RLIMIT_FSIZE, &small);
    };
    const QStringList quick {"train",        "s8-bn", "--data",   "synthetic", "--train-limit",
                             "200",          "--test-limit", "100", "--epochs", "2",
                             "--threads",    "1"};
    const CliOutcome full = cli.run(quick, limitFiles);
    QCOMPARE(full.exitCode, 2);
    QVERIFY2(full.err.contains("last.pt: write failed"), qPrintable(full.err));
    QVERIFY2(!full.err.contains("terminate"), qPrintable(full.err));
    const QStringList left = QDir(tmp.path() + "/store/runs/1").entryList(QDir::Files);
    QVERIFY2(left.filter("tmp").isEmpty(), qPrintable(left.join(", ")));
    // The store opens, the epoch it recorded is there, and the run goes on once there is room.
    QCOMPARE(epochsOf(cli.show(1)).size(), 1);
    QCOMPARE(cli.run({"resume", "1"}).exitCode, 0);
    QCOMPARE(cli.runs()[0].toObject()["status"].toString(), QString("finished"));
}


// What a logout, systemd and Slurm send stops a run as cleanly as Ctrl-C: recorded stopped,
// resumable, exit code 128 + the signal.
void TestCliFaults::stopSignals_data()
{
    QTest::addColumn<int>("signal");
    QTest::newRow("SIGINT") << SIGINT;
    QTest::newRow("SIGTERM") << SIGTERM;
    QTest::newRow("SIGHUP") << SIGHUP;
}


void TestCliFaults::stopSignals()
{
    QFETCH(int, signal);
    QTemporaryDir tmp;
    const Cli cli(tmp.path());
    QProcess run;
    cli.start(run, QStringList {"train"} + kShortRun + QStringList {"--epochs", "50", "--json"});
    QVERIFY(waitForEvent(run, [](const QJsonObject &j) { return j["event"] == "start"; }));
    ::kill(static_cast<pid_t>(run.processId()), signal);
    QVERIFY(run.waitForFinished(kTimeoutMs));
    QCOMPARE(run.exitStatus(), QProcess::NormalExit);
    QCOMPARE(run.exitCode(), 128 + signal);
    QCOMPARE(cli.runs()[0].toObject()["status"].toString(), QString("stopped"));
}


// `runs delete 1 < /dev/zero` read forever into a growing buffer.
void TestCliFaults::questionsReadABoundedLine()
{
    QTemporaryDir tmp;
    const Cli cli(tmp.path());
    QCOMPARE(cli.run({"train", "s8-bn", "--data", "synthetic", "--train-limit", "100",
                      "--test-limit", "50", "--epochs", "1", "--threads", "1"})
                     .exitCode,
             0);
    QProcess remove;
    remove.setStandardInputFile("/dev/zero");
    remove.start(qEnvironmentVariable("NORMLAB_CLI"),
                 {"runs", "delete", "1", "--store", tmp.path()});
    QVERIFY(remove.waitForFinished(30'000));
    QCOMPARE(remove.exitCode(), 0);
    QVERIFY(QString::fromUtf8(remove.readAllStandardOutput()).contains("kept run 1"));
    QCOMPARE(cli.runs().size(), 1);
}

QTEST_GUILESS_MAIN(TestCliFaults)
#include "test_cli_faults.moc"
