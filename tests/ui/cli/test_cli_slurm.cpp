// A sweep on a real Slurm: the test starts a one-node cluster of its own on localhost (munged,
// slurmctld and slurmd in the foreground, on free ports, with a config, a key and state in a
// temporary folder), submits a 3-point sweep with `sweep --slurm`, waits for the array job, merges
// the tasks' stores and checks three finished runs with their metrics; it stops every daemon it
// started however it ends. It skips, saying why, where it cannot start them (not root, Slurm or
// munge not installed, a daemon that will not come up).
#include "distributed_commands.h"
#include "store_cli.h"
#include "test_support.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <vector>

#include <unistd.h>

using namespace normlab::test;

namespace {

constexpr int kStartMs = 30'000;
constexpr int kSweepMs = 300'000;

QString findProgram(const QString &name)
{
    return QStandardPaths::findExecutable(name, {"/usr/sbin", "/usr/bin", "/sbin", "/bin"});
}

} // namespace

class TestCliSlurm : public QObject
{
    Q_OBJECT

public:
    ~TestCliSlurm() override { cleanupTestCase(); }

private Q_SLOTS:
    void initTestCase();
    void sweepRunsAsAnArrayJobAndMerges();
    void aRunOverTwoSlurmTasks();
    void cleanupTestCase();

private:
    // Starts a daemon in the foreground; it is killed when the test ends.
    QProcess &startDaemon(const QString &program, const QStringList &args);
    QString tail(const QString &log) const;
    QProcessEnvironment slurmEnvironment() const;
    // `normlab-cli sweep ARGS --slurm --slurm-dir DIR --cpus-per-task 1` on this cluster.
    CliOutcome submitSweep(const QString &dir, QStringList args) const;
    // Waits until each of the first `tasks` array tasks' logs says its run finished (or the time
    // is up); returns how many did.
    static int waitForTasks(const QString &dir, int tasks);

    QTemporaryDir m_dir;
    std::vector<std::unique_ptr<QProcess>> m_daemons;
    QString m_conf;
};

QProcess &TestCliSlurm::startDaemon(const QString &program, const QStringList &args)
{
    auto p = std::make_unique<QProcess>();
    p->setProcessChannelMode(QProcess::MergedChannels);
    p->setProcessEnvironment(slurmEnvironment());
    p->start(program, args);
    m_daemons.push_back(std::move(p));
    return *m_daemons.back();
}

QString TestCliSlurm::tail(const QString &log) const
{
    QFile f(m_dir.filePath(log));
    if (!f.open(QIODevice::ReadOnly))
        return "(no " + log + ")";
    return QString::fromUtf8(f.readAll().right(1500));
}

QProcessEnvironment TestCliSlurm::slurmEnvironment() const
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("SLURM_CONF", m_conf);
    return env;
}

void TestCliSlurm::initTestCase()
{
    if (::geteuid() != 0)
        QSKIP("not root: slurmd must run as root to start jobs as their user");
    QMap<QString, QString> programs;
    for (const char *name : {"munged", "mungekey", "slurmctld", "slurmd", "sbatch", "sinfo"}) {
        programs[name] = findProgram(name);
        if (programs[name].isEmpty())
            QSKIP(qPrintable(
                    QString("%1 is not installed (apt install slurm-wlm munge)").arg(name)));
    }
    const QString d = m_dir.path();
    for (const char *sub : {"munge", "state", "spool"})
        QDir(d).mkpath(sub);
    QProcess key;
    key.start(programs["mungekey"], {"--create", "--keyfile", d + "/munge/munge.key"});
    QVERIFY(key.waitForFinished() && key.exitCode() == 0);
    const QString socket = d + "/munge/munge.socket";
    QProcess &munge =
            startDaemon(programs["munged"],
                        {"--foreground", "--force", "--key-file", d + "/munge/munge.key",
                         "--socket", socket, "--pid-file", d + "/munge/munged.pid", "--log-file",
                         d + "/munged.log", "--seed-file", d + "/munge/munged.seed"});
    QElapsedTimer clock;
    clock.start();
    while (!QFile::exists(socket) && clock.elapsed() < kStartMs &&
           munge.state() != QProcess::NotRunning)
        QTest::qWait(100);
    if (!QFile::exists(socket))
        QSKIP(qPrintable("munged did not start: " + munge.readAll() + tail("munged.log")));

    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    const QString node = QString::fromLocal8Bit(host).section('.', 0, 0);
    m_conf = d + "/slurm.conf";
    QFile conf(m_conf);
    QVERIFY(conf.open(QIODevice::WriteOnly));
    conf.write(QString("ClusterName=normlabtest\n"
                       "SlurmctldHost=%1(127.0.0.1)\n"
                       "SlurmUser=root\nSlurmdUser=root\n"
                       "SlurmctldPort=%2\nSlurmdPort=%3\n"
                       "AuthType=auth/munge\nCryptoType=crypto/munge\nAuthInfo=socket=%4\n"
                       "StateSaveLocation=%5/state\nSlurmdSpoolDir=%5/spool\n"
                       "SlurmctldPidFile=%5/slurmctld.pid\nSlurmdPidFile=%5/slurmd.pid\n"
                       "SlurmctldLogFile=%5/slurmctld.log\nSlurmdLogFile=%5/slurmd.log\n"
                       // No cgroups: they are often not ours to use in a container.
                       "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
                       "JobAcctGatherType=jobacct_gather/none\n"
                       "AccountingStorageType=accounting_storage/none\n"
                       "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core\n"
                       "MpiDefault=none\nSwitchType=switch/none\nReturnToService=2\n"
                       "NodeName=%1 NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN\n"
                       "PartitionName=normlab Nodes=%1 Default=YES MaxTime=INFINITE State=UP\n")
                       .arg(node)
                       .arg(normlab::cli::freeLoopbackPort())
                       .arg(normlab::cli::freeLoopbackPort())
                       .arg(socket, d)
                       .toUtf8());
    conf.close();
    startDaemon(programs["slurmctld"], {"-D", "-f", m_conf});
    startDaemon(programs["slurmd"], {"-D", "-f", m_conf, "-N", node});
    clock.restart();
    QByteArray state;
    while (clock.elapsed() < kStartMs) {
        QProcess sinfo;
        sinfo.setProcessEnvironment(slurmEnvironment());
        sinfo.start(programs["sinfo"], {"-h", "-o", "%T"});
        sinfo.waitForFinished();
        state = sinfo.readAllStandardOutput().trimmed();
        if (state == "idle")
            break;
        QTest::qWait(500);
    }
    if (state != "idle")
        QSKIP(qPrintable("the one-node Slurm did not come up (node state '" + state + "'):\n" +
                         tail("slurmctld.log") + "\n" + tail("slurmd.log")));
}

CliOutcome TestCliSlurm::submitSweep(const QString &dir, QStringList args) const
{
    args.prepend("sweep");
    args << "--slurm"
         << "--slurm-dir" << dir << "--cpus-per-task"
         << "1";
    QProcess submit;
    submit.setProcessEnvironment(slurmEnvironment());
    submit.start(qEnvironmentVariable("NORMLAB_CLI"), args);
    return finish(submit, kTimeoutMs);
}

int TestCliSlurm::waitForTasks(const QString &dir, int tasks)
{
    QElapsedTimer clock;
    clock.start();
    int finished = 0;
    while (clock.elapsed() < kSweepMs) {
        finished = 0;
        for (int i = 0; i < tasks; ++i)
            finished += readAll(dir + "/logs/" + QString::number(i) + ".out")
                                .contains("finished after 1 epoch");
        if (finished == tasks)
            break;
        QTest::qWait(1000);
    }
    return finished;
}

void TestCliSlurm::sweepRunsAsAnArrayJobAndMerges()
{
    const QString sweepDir = m_dir.filePath("sweep");
    const CliOutcome submitted = submitSweep(
            sweepDir, {"s8-bn", "--data", "synthetic", "--train-limit", "200", "--test-limit",
                       "100", "--epochs", "1", "--norm", "batch,group,layer", "--partition",
                       "normlab", "--time", "0:10:00"});
    QVERIFY2(submitted.exitCode == 0, qPrintable(submitted.err + submitted.out));
    QVERIFY2(submitted.out.contains("submitted as Slurm job"), qPrintable(submitted.out));

    const int finished = waitForTasks(sweepDir, 3);
    QVERIFY2(finished == 3,
             qPrintable(QString::fromUtf8(readAll(sweepDir + "/logs/0.out")) + tail("slurmd.log")));

    const Cli main(m_dir.filePath("main"));
    const CliOutcome merged = main.run({"store", "merge", sweepDir + "/tasks"});
    QVERIFY2(merged.exitCode == 0, qPrintable(merged.err));
    const QJsonArray runs = main.runs();
    QCOMPARE(runs.size(), 3);
    for (const QJsonValue &r : runs) {
        QCOMPARE(r.toObject()["status"].toString(), QString("finished"));
        const QJsonArray epochs = epochsOf(main.show(r.toObject()["id"].toInt()));
        QCOMPARE(epochs.size(), 1);
        QVERIFY(epochs[0].toObject()["test_acc"].toDouble() >= 0);
        QVERIFY(epochs[0].toObject()["test_loss"].toDouble() > 0);
    }
}

// --ranks-per-run 2: the array task's two Slurm tasks (srun) are the two ranks of one
// data-parallel run, which rank 0 records with its world.
void TestCliSlurm::aRunOverTwoSlurmTasks()
{
    const QString sweepDir = m_dir.filePath("ranks");
    const CliOutcome submitted =
            submitSweep(sweepDir, {"s8-gn", "--data", "synthetic", "--train-limit", "200",
                                   "--test-limit", "100", "--epochs", "1", "--norm", "group",
                                   "--seeds", "1", "--ranks-per-run", "2"});
    QVERIFY2(submitted.exitCode == 0, qPrintable(submitted.err + submitted.out));
    QVERIFY(readAll(sweepDir + "/sweep.sbatch").contains("exec srun"));
    QVERIFY2(waitForTasks(sweepDir, 1) == 1,
             qPrintable(QString::fromUtf8(readAll(sweepDir + "/logs/0.out")) + tail("slurmd.log")));

    const Cli main(m_dir.filePath("ranks-main"));
    QCOMPARE(main.run({"store", "merge", sweepDir + "/tasks"}).exitCode, 0);
    const QJsonArray runs = main.runs();
    QCOMPARE(runs.size(), 1);
    const QJsonObject shown = main.show(runs[0].toObject()["id"].toInt());
    QCOMPARE(shown["status"].toString(), QString("finished"));
    QCOMPARE(shown["parallel"].toObject()["world_size"].toInt(), 2);
}

void TestCliSlurm::cleanupTestCase()
{
    // slurmd first (it ends its jobs), then the controller, then munge.
    for (auto it = m_daemons.rbegin(); it != m_daemons.rend(); ++it) {
        (*it)->terminate();
        if (!(*it)->waitForFinished(10'000))
            (*it)->kill();
        (*it)->waitForFinished();
    }
    m_daemons.clear();
}

QTEST_GUILESS_MAIN(TestCliSlurm)
#include "test_cli_slurm.moc"
