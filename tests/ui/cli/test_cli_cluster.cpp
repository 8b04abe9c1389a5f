// A sweep for a cluster through normlab-cli, without a cluster: `sweep --slurm --no-submit`
// writes the folder and the array job's script; each array task is `sweep-task DIR --index I`
// (run here in turn, as Slurm would on its nodes), into a store of its own; `store merge` takes
// their runs in, once. Submitting goes through a stand-in `sbatch` on PATH. Bad input exits 2.
#include "store_cli.h"
#include "test_support.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

using namespace normlab::test;

namespace {

const QStringList kTinySweep {"sweep",         "s8-bn",
                              "--data",        "synthetic",
                              "--train-limit", "200",
                              "--test-limit",  "100",
                              "--epochs",      "1",
                              "--threads",     "1",
                              "--norm",        "batch,group,layer"};

CliOutcome runWith(const QStringList &args,
                   const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment())
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(qEnvironmentVariable("NORMLAB_CLI"), args);
    return finish(p, kTimeoutMs);
}

} // namespace

class TestCliCluster : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void tasksRecordApartAndMergeOnce();
    void submitsThroughSbatch();
    void badInput_data();
    void badInput();
};

void TestCliCluster::tasksRecordApartAndMergeOnce()
{
    QTemporaryDir tmp;
    const QString dir = tmp.filePath("sweep");
    const CliOutcome written = runWith(
            kTinySweep + QStringList {"--slurm", "--slurm-dir", dir, "--no-submit", "--partition",
                                      "debug", "--time", "0:10:00", "--max-parallel", "2"});
    QVERIFY2(written.exitCode == 0, qPrintable(written.err));
    const QByteArray script = readAll(dir + "/sweep.sbatch");
    for (const char *line : {"#SBATCH --array=0-2%2", "#SBATCH --partition=debug",
                             "#SBATCH --time=0:10:00", "#SBATCH --requeue", " sweep-task '"})
        QVERIFY2(script.contains(line), script.constData());
    const QJsonObject sweep = QJsonDocument::fromJson(readAll(dir + "/sweep.json")).object();
    QCOMPARE(sweep["runs"].toArray().size(), 3);

    for (int i = 0; i < 3; ++i) {
        const CliOutcome task = runWith({"sweep-task", dir, "--index", QString::number(i)});
        QVERIFY2(task.exitCode == 0, qPrintable(task.err));
    }
    const CliOutcome requeued = runWith({"sweep-task", dir, "--index", "0"});
    QCOMPARE(requeued.exitCode, 0);
    QVERIFY2(requeued.out.contains("finished already"), qPrintable(requeued.out));

    const Cli main(tmp.filePath("main"));
    const CliOutcome merged = main.run({"store", "merge", dir + "/tasks"});
    QVERIFY2(merged.exitCode == 0, qPrintable(merged.err));
    QVERIFY2(merged.out.contains("3 new, 0 updated"), qPrintable(merged.out));
    const QJsonArray runs = main.runs();
    QCOMPARE(runs.size(), 3);
    QStringList norms;
    for (const QJsonValue &r : runs) {
        const QJsonObject run = r.toObject();
        QCOMPARE(run["status"].toString(), QString("finished"));
        QCOMPARE(run["epochs_done"].toInt(), 1);
        QCOMPARE(run["sweep"].toString(), sweep["id"].toString());
        const QJsonObject shown = main.show(run["id"].toInt());
        QVERIFY(epochsOf(shown)[0].toObject()["test_loss"].toDouble() > 0);
        norms << shown["config"].toObject()["model"].toObject()["norm"].toString();
    }
    norms.sort();
    QCOMPARE(norms, (QStringList {"batch", "group", "layer"}));

    const CliOutcome again = main.run({"store", "merge", dir + "/tasks"});
    QVERIFY2(again.out.contains("0 new, 0 updated"), qPrintable(again.out));
    QCOMPARE(main.runs().size(), 3);
}

void TestCliCluster::submitsThroughSbatch()
{
    QTemporaryDir tmp;
    const QString bin = tmp.filePath("bin");
    QDir().mkpath(bin);
    QFile sbatch(bin + "/sbatch");
    QVERIFY(sbatch.open(QIODevice::WriteOnly));
    sbatch.write("#!/bin/sh\necho \"$@\" > \"$(dirname \"$0\")/args\"\necho 4242\n");
    sbatch.close();
    sbatch.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("PATH", bin + ":" + env.value("PATH"));

    const QString dir = tmp.filePath("sweep");
    const CliOutcome o = runWith(kTinySweep + QStringList {"--slurm", "--slurm-dir", dir}, env);
    QVERIFY2(o.exitCode == 0, qPrintable(o.err));
    QVERIFY2(o.out.contains("submitted as Slurm job 4242"), qPrintable(o.out));
    QCOMPARE(readAll(bin + "/args").trimmed(), ("--parsable " + dir + "/sweep.sbatch").toUtf8());

    env.insert("PATH", tmp.filePath("nowhere"));
    const CliOutcome missing =
            runWith(kTinySweep + QStringList {"--slurm", "--slurm-dir", tmp.filePath("s2")}, env);
    QCOMPARE(missing.exitCode, 2);
    QVERIFY2(missing.err.contains("sbatch was not found"), qPrintable(missing.err));
}

void TestCliCluster::badInput_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("task without an index")
            << QStringList {"sweep-task", "DIR"} << "give --index, or run it as a Slurm array task";
    QTest::newRow("task past the end")
            << QStringList {"sweep-task", "DIR", "--index", "3"} << "has 3 runs (0 to 2)";
    QTest::newRow("folder without a sweep")
            << QStringList {"sweep-task", "EMPTY", "--index", "0"} << "sweep.json";
    QTest::newRow("merge of nothing")
            << QStringList {"store", "merge", "EMPTY/none"} << "is not a folder";
    QTest::newRow("slurm resume") << QStringList {"sweep", "--resume", "--slurm"}
                                  << "a cluster sweep resumes by itself";
}

void TestCliCluster::badInput()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    QTemporaryDir tmp;
    const QString dir = tmp.filePath("sweep");
    QVERIFY(runWith(kTinySweep + QStringList {"--slurm", "--slurm-dir", dir, "--no-submit"})
                    .exitCode == 0);
    QDir().mkpath(tmp.filePath("empty"));
    for (QString &a : args)
        a.replace("DIR", dir).replace("EMPTY", tmp.filePath("empty"));
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove("SLURM_ARRAY_TASK_ID");
    env.insert("NORMLAB_STORE", tmp.filePath("store"));
    const CliOutcome o = runWith(args, env);
    QCOMPARE(o.exitCode, 2);
    QVERIFY2(o.err.contains(message), qPrintable(o.err));
}

QTEST_GUILESS_MAIN(TestCliCluster)
#include "test_cli_cluster.moc"
