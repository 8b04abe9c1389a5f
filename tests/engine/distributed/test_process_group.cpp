// The process group over loopback with real processes (process_group_worker): the collectives
// agree for 2 and 3 ranks, a killed peer is an error within the timeout and never a hang, a peer
// that never comes is a timeout naming the master; options from torchrun's and Slurm's variables.
// Synchronised BatchNorm gives the whole batch's gradients; the data-parallel trainer keeps its
// ranks one model with the same numbers.
#include "checkpoint.h"
#include "model_spec.h"
#include "net.h"
#include "presets.h"
#include "process_group.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <vector>

using namespace normlab;

namespace {

constexpr int kTimeoutMs = 8'000;

// A port for this test process's groups: one per call, away from the usual 29500.
int freshPort()
{
    static int next = 20'000 + static_cast<int>(QCoreApplication::applicationPid() % 20'000);
    return next++;
}

std::unique_ptr<QProcess> startRank(int rank, int world, int port, const QString &mode,
                                    int timeoutMs = kTimeoutMs, const QString &dir = {})
{
    auto p = std::make_unique<QProcess>();
    QStringList args {QString::number(rank), QString::number(world), QString::number(port),
                      QString::number(timeoutMs), mode};
    if (!dir.isEmpty())
        args << dir;
    p->start(QStringLiteral(NORMLAB_PROCESS_GROUP_WORKER), args);
    return p;
}

} // namespace

class TestProcessGroup : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void collectivesAgree_data();
    void collectivesAgree();
    void averagedGradientsAreTheWholeBatchs_data();
    void averagedGradientsAreTheWholeBatchs();
    void syncBatchNormIsTheWholeBatchs_data();
    void syncBatchNormIsTheWholeBatchs();
    void trainerRanksStayOneModel();
    void aKilledPeerIsAnErrorNotAHang_data();
    void aKilledPeerIsAnErrorNotAHang();
    void aBrokenPipeIsAnErrorNotASignal();
    void aPeerThatNeverComesIsATimeout();
    void optionsFromTheEnvironment();
    void badOptionsAreNamed_data();
    void badOptionsAreNamed();
};

void TestProcessGroup::collectivesAgree_data()
{
    QTest::addColumn<int>("world");
    QTest::newRow("2 ranks") << 2;
    QTest::newRow("3 ranks") << 3;
}

void TestProcessGroup::collectivesAgree()
{
    QFETCH(int, world);
    const int port = freshPort();
    std::vector<std::unique_ptr<QProcess>> ranks;
    for (int r = 0; r < world; ++r)
        ranks.push_back(startRank(r, world, port, "collectives"));
    for (int r = 0; r < world; ++r) {
        QProcess &p = *ranks[static_cast<std::size_t>(r)];
        QVERIFY(p.waitForFinished(3 * kTimeoutMs));
        QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0,
                 p.readAllStandardError().constData());
        QVERIFY(p.readAllStandardOutput().contains(QByteArray("rank ") + QByteArray::number(r) +
                                                   " ok"));
    }
}

void TestProcessGroup::averagedGradientsAreTheWholeBatchs_data()
{
    QTest::addColumn<int>("world");
    QTest::newRow("2 ranks, 6 images each") << 2;
    QTest::newRow("3 ranks, 4 images each") << 3;
}

// Each rank's gradient of its share of a batch, averaged over the ranks, is the gradient of the
// whole batch in one process (GroupNorm net, within 1e-5), after rank 0's weights were
// broadcast over different ones.
void TestProcessGroup::averagedGradientsAreTheWholeBatchs()
{
    QFETCH(int, world);
    const int port = freshPort();
    std::vector<std::unique_ptr<QProcess>> ranks;
    for (int r = 0; r < world; ++r)
        ranks.push_back(startRank(r, world, port, "gradients"));
    for (const auto &p : ranks) {
        QVERIFY(p->waitForFinished(6 * kTimeoutMs));
        const QByteArray output = p->readAllStandardOutput() + p->readAllStandardError();
        QVERIFY2(p->exitStatus() == QProcess::NormalExit && p->exitCode() == 0, output.constData());
        QVERIFY2(output.contains("largest relative difference"), output.constData());
    }
}

void TestProcessGroup::syncBatchNormIsTheWholeBatchs_data()
{
    averagedGradientsAreTheWholeBatchs_data();
}

// With synchronised BatchNorm, each rank's share of a batch gives the whole batch's gradients
// and running statistics (within 1e-5); with per-rank statistics they differ (by more than 1e-3:
// the check can fail).
void TestProcessGroup::syncBatchNormIsTheWholeBatchs()
{
    QFETCH(int, world);
    const int port = freshPort();
    std::vector<std::unique_ptr<QProcess>> ranks;
    for (int r = 0; r < world; ++r)
        ranks.push_back(startRank(r, world, port, "syncbn"));
    for (const auto &p : ranks) {
        QVERIFY(p->waitForFinished(6 * kTimeoutMs));
        const QByteArray output = p->readAllStandardOutput() + p->readAllStandardError();
        QVERIFY2(p->exitStatus() == QProcess::NormalExit && p->exitCode() == 0, output.constData());
        QVERIFY2(output.contains("sync-bn gradients"), output.constData());
    }
}

// Two ranks of the data-parallel trainer: the same epoch numbers on both (the whole run's, summed
// over the ranks), and after three epochs the very same weights.
void TestProcessGroup::trainerRanksStayOneModel()
{
    QTemporaryDir dir;
    const int port = freshPort();
    std::vector<std::unique_ptr<QProcess>> ranks;
    for (int r = 0; r < 2; ++r)
        ranks.push_back(startRank(r, 2, port, "trainer", kTimeoutMs, dir.path()));
    std::vector<QStringList> epochs;
    for (const auto &p : ranks) {
        QVERIFY(p->waitForFinished(60 * kTimeoutMs));
        const QByteArray output = p->readAllStandardOutput() + p->readAllStandardError();
        QVERIFY2(p->exitStatus() == QProcess::NormalExit && p->exitCode() == 0, output.constData());
        QStringList lines;
        for (const QString &line : QString::fromUtf8(output).split('\n'))
            if (line.contains(" epoch "))
                lines << line.section(' ', 2); // without "rank N"
        QCOMPARE(lines.size(), 3);
        epochs.push_back(lines);
    }
    QCOMPARE(epochs[1], epochs[0]);
    const QRegularExpression accuracy("test_acc (\\S+)");
    const double last = accuracy.match(epochs[0].last()).captured(1).toDouble();
    QVERIFY2(last > 20.0, qPrintable(epochs[0].last())); // it learned (10 classes: 10 % by chance)

    ModelConfig model = presetConfig("s8-gn").model;
    Net a(buildModelSpec(model));
    Net b(buildModelSpec(model));
    QCOMPARE(loadCheckpointModel((dir.path() + "/rank0/last.pt").toStdString(), a), 3);
    QCOMPARE(loadCheckpointModel((dir.path() + "/rank1/last.pt").toStdString(), b), 3);
    const auto theirs = b->named_parameters();
    for (const auto &p : a->named_parameters())
        QVERIFY2(torch::equal(p.value(), theirs[p.key()]), p.key().c_str());
}

void TestProcessGroup::aKilledPeerIsAnErrorNotAHang_data()
{
    QTest::addColumn<QString>("mode");
    QTest::newRow("small tensors") << "loop";
    // The survivor is then mostly writing when its peer dies: a write to the dead socket must be
    // an error, not a SIGPIPE that kills it (test_cli_distributed's rank 0 once ended so).
    QTest::newRow("16 MB tensors") << "loop-large";
}

void TestProcessGroup::aKilledPeerIsAnErrorNotAHang()
{
    QFETCH(QString, mode);
    const int port = freshPort();
    auto survivor = startRank(0, 2, port, mode);
    auto victim = startRank(1, 2, port, mode);
    for (QProcess *p : {survivor.get(), victim.get()}) {
        QVERIFY(p->waitForReadyRead(3 * kTimeoutMs));
        QVERIFY(p->readAllStandardOutput().contains("joined"));
    }
    QElapsedTimer clock;
    clock.start();
    victim->kill(); // SIGKILL: no goodbye on its sockets but their closing
    QVERIFY(victim->waitForFinished(kTimeoutMs));
    QVERIFY(survivor->waitForFinished(2 * kTimeoutMs));
    QVERIFY2(clock.elapsed() < 2 * kTimeoutMs, qPrintable(QString::number(clock.elapsed())));
    QVERIFY2(survivor->exitStatus() == QProcess::NormalExit,
             qPrintable(QString("the survivor was ended by signal %1").arg(survivor->exitCode())));
    QCOMPARE(survivor->exitCode(), 3);
    const QByteArray error = survivor->readAllStandardError();
    QVERIFY2(error.contains("all-reduce on rank 0 of 2 failed"), error.constData());
}

// Gloo writes with writev(): once in a group, a write to a socket whose peer is gone must fail
// with EPIPE for the collective to report, not end the process with SIGPIPE. A pipe nobody reads
// meets the same rule every time, where a killed peer meets it only when the timing falls so.
void TestProcessGroup::aBrokenPipeIsAnErrorNotASignal()
{
    auto rank = startRank(0, 1, freshPort(), "broken-pipe");
    QVERIFY(rank->waitForFinished(3 * kTimeoutMs));
    QVERIFY2(rank->exitStatus() == QProcess::NormalExit,
             qPrintable(QString("ended by signal %1").arg(rank->exitCode())));
    QCOMPARE(rank->exitCode(), 0);
    QVERIFY(rank->readAllStandardOutput().contains("write to a broken pipe: EPIPE"));
}

void TestProcessGroup::aPeerThatNeverComesIsATimeout()
{
    constexpr int kShortTimeoutMs = 2'000;
    const int port = freshPort();
    auto alone = startRank(0, 2, port, "collectives", kShortTimeoutMs);
    QVERIFY(alone->waitForFinished(10 * kShortTimeoutMs));
    QCOMPARE(alone->exitCode(), 3);
    const QByteArray error = alone->readAllStandardError();
    QVERIFY2(error.contains("rank 0 could not meet the 2 ranks at 127.0.0.1:" +
                            QByteArray::number(port)),
             error.constData());
}

void TestProcessGroup::optionsFromTheEnvironment()
{
    const QList<QByteArray> names = {
            "RANK",         "WORLD_SIZE",   "MASTER_ADDR",       "MASTER_PORT",
            "SLURM_PROCID", "SLURM_NTASKS", "GLOO_SOCKET_IFNAME"};
    for (const QByteArray &n : names)
        qunsetenv(n.constData());
    DistributedOptions defaults;
    defaults.masterPort = 1234;
    QCOMPARE(distributedOptionsFromEnvironment(defaults).masterPort, 1234);

    qputenv("SLURM_PROCID", "3");
    qputenv("SLURM_NTASKS", "4");
    DistributedOptions o = distributedOptionsFromEnvironment(defaults);
    QCOMPARE(o.rank, 3);
    QCOMPARE(o.worldSize, 4);
    // torchrun's variables win where both are set
    qputenv("RANK", "1");
    qputenv("WORLD_SIZE", "2");
    qputenv("MASTER_ADDR", "10.0.0.7");
    qputenv("MASTER_PORT", "29501");
    qputenv("GLOO_SOCKET_IFNAME", "eth1");
    o = distributedOptionsFromEnvironment(defaults);
    QCOMPARE(o.rank, 1);
    QCOMPARE(o.worldSize, 2);
    QCOMPARE(o.masterAddr, std::string("10.0.0.7"));
    QCOMPARE(o.masterPort, 29501);
    QCOMPARE(o.iface, std::string("eth1"));

    qputenv("MASTER_PORT", "port");
    try {
        distributedOptionsFromEnvironment(defaults);
        QFAIL("accepted MASTER_PORT=port");
    } catch (const DistributedError &e) {
        QVERIFY2(QString(e.what()).contains("MASTER_PORT is 'port'; expected a whole number 1 to "
                                            "65535"),
                 e.what());
    }
    for (const QByteArray &n : names)
        qunsetenv(n.constData());
}

void TestProcessGroup::badOptionsAreNamed_data()
{
    QTest::addColumn<int>("rank");
    QTest::addColumn<int>("world");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("message");
    QTest::newRow("rank past the world") << 2 << 2 << 29500 << "rank 2 is outside a world of 2";
    QTest::newRow("empty world") << 0 << 0 << 29500 << "world size is 0";
    QTest::newRow("port") << 0 << 1 << 70000 << "master port 70000 is outside 1 to 65535";
}

void TestProcessGroup::badOptionsAreNamed()
{
    QFETCH(int, rank);
    QFETCH(int, world);
    QFETCH(int, port);
    QFETCH(QString, message);
    DistributedOptions o;
    o.rank = rank;
    o.worldSize = world;
    o.masterPort = port;
    try {
        validate(o);
        QFAIL("accepted");
    } catch (const DistributedError &e) {
        QVERIFY2(QString(e.what()).contains(message), e.what());
    }
}

QTEST_GUILESS_MAIN(TestProcessGroup)
#include "test_process_group.moc"
