// Data-parallel runs through normlab-cli, with real ranks over loopback: `launch --nproc 2`
// records one run (world size, hosts, both batches) that learns as one process at the same global
// batch does; stopped with Ctrl-C it resumes, as two ranks again, to the numbers of an
// uninterrupted twin; a rank killed with SIGKILL fails the run with a message within the timeout;
// bad flags are named with exit code 2.
#include "store_cli.h"
#include "test_support.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace normlab::test;

namespace {

// GroupNorm (the ranks' statistics do not differ from one process's), two seconds per epoch.
const QStringList kSmallRun {"s8-gn", "--data",       "synthetic", "--train-limit",
                             "1200",  "--test-limit", "300",       "--json"};
const QStringList kRun = kSmallRun + QStringList {"--epochs", "3"};

int freshPort()
{
    static int next = 40'000 + static_cast<int>(QCoreApplication::applicationPid() % 10'000);
    return next++;
}

} // namespace

class TestCliDistributed : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void twoRanksLearnAsOneProcess();
    void stoppedRunResumesAsTwoRanks();
    void aKilledRankFailsTheRun();
    void badFlags_data();
    void badFlags();
};

// Six epochs: on the synthetic set a net's accuracy takes off between the third and the sixth
// epoch, when depends on the seed (seed 2 of this run is still at 13 % after six), so both take
// seed 1 (1 process 79.0 %, 2 ranks 81.3 % when written).
void TestCliDistributed::twoRanksLearnAsOneProcess()
{
    QTemporaryDir tmp;
    const Cli cli(tmp.path());
    const QStringList run = kSmallRun + QStringList {"--epochs", "6", "--seed", "1"};
    const CliOutcome one =
            cli.run(QStringList {"train"} + run +
                    QStringList {"--batch-size", "32", "--threads", "1", "--name", "one"});
    QVERIFY2(one.exitCode == 0, qPrintable(one.err));
    const CliOutcome two = cli.run(QStringList {"launch", "--nproc", "2", "--", "train"} + run +
                                   QStringList {"--batch-size", "16", "--name", "two"});
    QVERIFY2(two.exitCode == 0, qPrintable(two.err + two.out));

    const QJsonArray runs = cli.runs();
    QCOMPARE(runs.size(), 2); // the second rank records nothing
    const QJsonObject single = cli.show(runs[0].toObject()["id"].toInt());
    const QJsonObject ranks = cli.show(runs[1].toObject()["id"].toInt());
    QVERIFY(!single.contains("parallel"));
    const QJsonObject parallel = ranks["parallel"].toObject();
    QCOMPARE(parallel["world_size"].toInt(), 2);
    QCOMPARE(parallel["local_batch"].toInt(), 16);
    QCOMPARE(parallel["global_batch"].toInt(), 32);
    QCOMPARE(parallel["backend"].toString(), QString("gloo"));
    QCOMPARE(parallel["hosts"].toArray().size(), 2);
    QCOMPARE(runs[1].toObject()["status"].toString(), QString("finished"));

    const QJsonArray a = epochsOf(single), b = epochsOf(ranks);
    QCOMPARE(b.size(), 6);
    const double oneAccuracy = a.last().toObject()["test_acc"].toDouble();
    const double twoAccuracy = b.last().toObject()["test_acc"].toDouble();
    qInfo("test accuracy after 6 epochs: 1 process %.2f %%, 2 ranks %.2f %%", oneAccuracy,
          twoAccuracy);
    QVERIFY2(oneAccuracy > 60 && twoAccuracy > 60, "no take-off (10 % is chance)");
    QVERIFY2(std::abs(twoAccuracy - oneAccuracy) < 10, "2 ranks learn unlike 1 process");
    // Every test image is evaluated once, by one rank or the other.
    const int wrong = b.last().toObject()["misclassified"].toInt();
    QCOMPARE(wrong, qRound(300 * (100 - twoAccuracy) / 100));
}

void TestCliDistributed::stoppedRunResumesAsTwoRanks()
{
    QTemporaryDir tmp;
    const Cli cli(tmp.path());
    const QStringList launch2 {"launch", "--nproc", "2", "--"};
    const CliOutcome twin =
            cli.run(launch2 + QStringList {"train"} + kRun + QStringList {"--name", "twin"});
    QVERIFY2(twin.exitCode == 0, qPrintable(twin.err));

    QProcess stopped;
    cli.start(stopped, launch2 + QStringList {"train"} + kRun + QStringList {"--name", "stopped"});
    QVERIFY(waitForEvent(stopped, [](const QJsonObject &j) {
        return j["event"] == "batch" && j["epoch"] == 2 && j["batch"].toInt() > 3;
    }));
    ::kill(static_cast<pid_t>(stopped.processId()), SIGINT); // the launcher passes it on
    QVERIFY(stopped.waitForFinished(kTimeoutMs));
    QCOMPARE(stopped.exitCode(), 130);
    const int id = cli.runs()[1].toObject()["id"].toInt();
    QCOMPARE(cli.runs()[1].toObject()["status"].toString(), QString("stopped"));

    const CliOutcome resumed =
            cli.run(launch2 + QStringList {"resume", QString::number(id), "--json"});
    QVERIFY2(resumed.exitCode == 0, qPrintable(resumed.err));
    const QJsonArray a = epochsOf(cli.show(cli.runs()[0].toObject()["id"].toInt()));
    const QJsonArray b = epochsOf(cli.show(id));
    QCOMPARE(b.size(), 3);
    for (int e = 0; e < 3; ++e)
        for (const char *key :
             {"train_loss", "train_acc", "test_loss", "test_acc", "misclassified"})
            QCOMPARE(b[e].toObject()[key].toDouble(), a[e].toObject()[key].toDouble());
}

void TestCliDistributed::aKilledRankFailsTheRun()
{
    constexpr int kDistTimeoutSeconds = 10;
    QTemporaryDir tmp;
    const Cli cli(tmp.path());
    const QString master = "127.0.0.1:" + QString::number(freshPort());
    QProcess ranks[2];
    for (int r = 0; r < 2; ++r)
        cli.start(ranks[r],
                  QStringList {"train"} + kSmallRun +
                          QStringList {"--epochs", "50", "--threads", "1", "--world-size", "2",
                                       "--rank", QString::number(r), "--master", master,
                                       "--dist-timeout", QString::number(kDistTimeoutSeconds)});
    QVERIFY(waitForEvent(ranks[0], [](const QJsonObject &j) {
        return j["event"] == "batch" && j["epoch"] == 1 && j["batch"].toInt() > 3;
    }));
    QElapsedTimer clock;
    clock.start();
    ranks[1].kill();
    QVERIFY(ranks[0].waitForFinished(3 * kDistTimeoutSeconds * 1000));
    QVERIFY2(clock.elapsed() < 2 * kDistTimeoutSeconds * 1000,
             qPrintable(QString::number(clock.elapsed())));
    QVERIFY2(ranks[0].exitStatus() == QProcess::NormalExit,
             qPrintable(QString("rank 0 was ended by signal %1").arg(ranks[0].exitCode())));
    QCOMPARE(ranks[0].exitCode(), 1);
    const QString error = QString::fromUtf8(ranks[0].readAllStandardError());
    QVERIFY2(error.contains("rank 0 of 2 failed"), qPrintable(error));
    const QJsonObject run = cli.runs()[0].toObject();
    QCOMPARE(run["status"].toString(), QString("failed"));
    QVERIFY2(cli.show(run["id"].toInt())["message"].toString().contains("of 2 failed"),
             qPrintable(cli.show(run["id"].toInt())["message"].toString()));
}

void TestCliDistributed::badFlags_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("rank outside the world")
            << QStringList {"train", "--world-size", "2", "--rank", "2"}
            << "rank 2 is outside a world of 2";
    QTest::newRow("rank without a world")
            << QStringList {"train", "--rank", "1"} << "--rank 1 needs --world-size above it";
    QTest::newRow("master without a port")
            << QStringList {"train", "--world-size", "2", "--master", "somehost"}
            << "--master somehost: expected HOST:PORT";
    QTest::newRow("launch without a command")
            << QStringList {"launch", "--nproc", "2"} << "give the command to run after --";
    QTest::newRow("launch of another command")
            << QStringList {"launch", "--", "runs", "list"} << "train or resume";
    QTest::newRow("launch given a rank")
            << QStringList {"launch", "--", "train", "--rank", "1"} << "--rank is launch's to set";
}

void TestCliDistributed::badFlags()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    QProcess p; // no --store: these never reach one
    p.start(qEnvironmentVariable("NORMLAB_CLI"), args);
    const CliOutcome o = finish(p, kTimeoutMs);
    QCOMPARE(o.exitCode, 2);
    QVERIFY2(o.err.contains(message), qPrintable(o.err));
}

QTEST_GUILESS_MAIN(TestCliDistributed)
#include "test_cli_distributed.moc"
