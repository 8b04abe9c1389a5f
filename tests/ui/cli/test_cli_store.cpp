// The run store through normlab-cli, with real processes: a run killed with SIGKILL mid-epoch is
// found interrupted and resumes to the same numbers as an uninterrupted twin; sweeps stop on Ctrl-C
// and continue; two writers, corrupt and read-only stores give exit code 2 and a message. Faults
// (full disks, signals, a crash loop, endless input) are in test_cli_faults.
#include "store_cli.h"
#include "test_support.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <random>
#include <sys/resource.h>
#include <unistd.h>

using namespace normlab::test;

namespace {
// One small run on synthetic data: the quickest way to make a store with a run in it.
const QStringList kOneSmallRun {"train", "--data",       "synthetic", "--train-limit",
                                "64",    "--test-limit", "32",        "--epochs",
                                "1",     "--threads",    "1"};
} // namespace

class TestCliStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void killedRunIsInterruptedAndResumesIdentically();
    void sweepStopsOnInterruptAndContinues();
    void secondWriterAndDeleteWhileTraining();
    void tagsNotesFiltersAndDelete();
    void badStores_data();
    void badStores();
    void readOnlyStore();
};

void TestCliStore::killedRunIsInterruptedAndResumesIdentically()
{
    QTemporaryDir tmp;
    const Cli cli(tmp.path());
    const QStringList args =
            QStringList {"train"} + kShortRun + QStringList {"--epochs", "3", "--json"};

    const CliOutcome twin = cli.run(args + QStringList {"--name", "twin"});
    QCOMPARE(twin.exitCode, 0);

    QProcess victim;
    cli.start(victim, args + QStringList {"--name", "victim"});
    QVERIFY(waitForEvent(
            victim, [](const QJsonObject &j) { return j["event"] == "epoch" && j["epoch"] == 1; }));
    // Well into epoch 2: batches are being recorded, the epoch is not.
    QVERIFY(waitForEvent(victim, [](const QJsonObject &j) {
        return j["event"] == "batch" && j["epoch"] == 2 && j["batch"].toInt() > 5 &&
               j["batch"] != j["batches"];
    }));
    ::kill(static_cast<pid_t>(victim.processId()), SIGKILL);
    QVERIFY(victim.waitForFinished());

    QJsonArray runs = cli.runs();
    QCOMPARE(runs.size(), 2);
    const QJsonObject killed = runs[1].toObject();
    QCOMPARE(killed["status"].toString(), QString("interrupted"));
    QCOMPARE(killed["epochs_done"].toInt(), 1);

    const CliOutcome resumed = cli.run({"resume", QString::number(killed["id"].toInt()), "--json"});
    QVERIFY2(resumed.exitCode == 0, qPrintable(resumed.err));
    QVERIFY(resumed.out.contains(R"("resumed_from_epoch":1)"));

    const QJsonArray a = epochsOf(cli.show(runs[0].toObject()["id"].toInt()));
    const QJsonArray b = epochsOf(cli.show(killed["id"].toInt()));
    QCOMPARE(a.size(), 3);
    QCOMPARE(b.size(), 3);
    for (int e = 0; e < 3; ++e) {
        for (const char *key :
             {"train_loss", "train_acc", "test_loss", "test_acc", "lr", "misclassified"})
            QCOMPARE(b[e].toObject()[key].toDouble(), a[e].toObject()[key].toDouble());
    }
    QCOMPARE(cli.runs()[1].toObject()["status"].toString(), QString("finished"));
}

void TestCliStore::sweepStopsOnInterruptAndContinues()
{
    QTemporaryDir tmp;
    const Cli cli(tmp.path());
    QProcess sweep;
    cli.start(sweep, QStringList {"sweep"} + kShortRun +
                             QStringList {"--epochs", "1", "--norm", "batch,group", "--seeds", "2",
                                          "--json"});
    QVERIFY(waitForEvent(sweep, [](const QJsonObject &j) { return j["event"] == "batch"; }));
    ::kill(static_cast<pid_t>(sweep.processId()), SIGINT);
    QVERIFY(sweep.waitForFinished(kTimeoutMs));
    QCOMPARE(sweep.exitCode(), 130);

    QJsonArray runs = cli.runs();
    QCOMPARE(runs.size(), 4);
    QCOMPARE(runs[0].toObject()["status"].toString(), QString("stopped"));
    QStringList names;
    for (int i = 0; i < 4; ++i) {
        names << runs[i].toObject()["name"].toString();
        if (i > 0)
            QCOMPARE(runs[i].toObject()["status"].toString(), QString("queued"));
    }
    QCOMPARE(names, (QStringList {"s8-bn norm=batch seed=1", "s8-bn norm=batch seed=2",
                                  "s8-bn norm=group seed=1", "s8-bn norm=group seed=2"}));
    QCOMPARE(runs[2].toObject()["norm"].toString(), QString("group(4)"));

    const CliOutcome resumed = cli.run({"sweep", "--resume", "--json"});
    QVERIFY2(resumed.exitCode == 0, qPrintable(resumed.err));
    runs = cli.runs();
    for (int i = 0; i < 4; ++i)
        QCOMPARE(runs[i].toObject()["status"].toString(), QString("finished"));
    QCOMPARE(cli.run({"sweep", "--resume"}).out.trimmed().endsWith("nothing left to run"), true);
}

void TestCliStore::secondWriterAndDeleteWhileTraining()
{
    QTemporaryDir tmp;
    const Cli cli(tmp.path());
    QProcess first;
    cli.start(first, QStringList {"train"} + kShortRun + QStringList {"--epochs", "50", "--json"});
    QJsonObject start;
    QVERIFY(waitForEvent(
            first, [](const QJsonObject &j) { return j["event"] == "start"; }, &start));
    const QString id = QString::number(start["run"].toInt());

    const CliOutcome second = cli.run({"resume", id});
    QCOMPARE(second.exitCode, 2);
    QVERIFY2(second.err.contains("is being trained by another process"), qPrintable(second.err));
    const CliOutcome remove = cli.run({"runs", "delete", id, "--yes"});
    QCOMPARE(remove.exitCode, 2);
    QVERIFY2(remove.err.contains("is training"), qPrintable(remove.err));
    // Readers are never refused.
    QCOMPARE(cli.run({"runs", "show", id}).exitCode, 0);

    ::kill(static_cast<pid_t>(first.processId()), SIGINT);
    QVERIFY(first.waitForFinished(kTimeoutMs));
    QCOMPARE(first.exitCode(), 130);
    QCOMPARE(cli.runs()[0].toObject()["status"].toString(), QString("stopped"));
}

void TestCliStore::tagsNotesFiltersAndDelete()
{
    QTemporaryDir tmp;
    const Cli cli(tmp.path());
    const QStringList quick =
            QStringList {"train",        "s8-bn", "--data",   "synthetic", "--train-limit", "200",
                         "--test-limit", "100",   "--epochs", "1",         "--threads",     "1"};
    QCOMPARE(cli.run(quick + QStringList {"--name", "first", "--tag", "baseline"}).exitCode, 0);
    QCOMPARE(cli.run(quick + QStringList {"--name", "second", "--norm", "layer"}).exitCode, 0);

    QCOMPARE(cli.run({"runs", "tag", "2", "ln", "keep"}).exitCode, 0);
    QCOMPARE(cli.run({"runs", "tag", "2", "keep", "--remove"}).exitCode, 0);
    QCOMPARE(cli.run({"runs", "note", "last", "LayerNorm, no surprises"}).exitCode, 0);
    const QJsonObject second = cli.runs()[1].toObject();
    QCOMPARE(second["tags"].toArray(), QJsonArray {"ln"});
    QCOMPARE(second["note"].toString(), QString("LayerNorm, no surprises"));

    QVERIFY(cli.run({"runs", "list", "--tag", "baseline"}).out.contains("first"));
    QVERIFY(!cli.run({"runs", "list", "--tag", "baseline"}).out.contains("second"));
    QVERIFY(cli.run({"runs", "list", "--search", "surprises"}).out.contains("second"));
    const CliOutcome text = cli.run({"runs", "list"});
    QVERIFY2(text.out.contains("finished") && text.out.contains("layer"), qPrintable(text.out));

    const CliOutcome shown = cli.run({"runs", "show", "1"});
    QVERIFY(shown.out.contains("Per-class test accuracy"));
    QVERIFY(shown.out.contains("Most confused"));
    const CliOutcome compared = cli.run({"runs", "compare", "1", "2"});
    QVERIFY2(compared.out.contains("model.norm") && compared.out.contains("layer"),
             qPrintable(compared.out));

    // Inside the network: a statistic per layer and epoch, or every statistic of one epoch.
    const CliOutcome inside = cli.run({"runs", "inside", "2", "--stat", "dead_relu"});
    QVERIFY2(inside.exitCode == 0, qPrintable(inside.err));
    QVERIFY2(inside.out.contains("dead_relu") && inside.out.contains("epoch 1") &&
                     inside.out.contains("C1"),
             qPrintable(inside.out));
    const QJsonObject table =
            QJsonDocument::fromJson(cli.run({"runs", "inside", "2", "--json"}).out.toUtf8())
                    .object();
    QCOMPARE(table["stat"].toString(), QString("output_std"));
    QCOMPARE(table["epochs"].toArray(), QJsonArray {1});
    const QJsonArray layers = table["layers"].toArray();
    QVERIFY(layers.size() >= 4);
    QCOMPARE(table["values"].toArray().size(), layers.size());
    for (const QJsonValue &row : table["values"].toArray()) {
        QCOMPARE(row.toArray().size(), 1);
        QVERIFY(row.toArray()[0].toDouble() > 0); // LayerNorm's output spread, never null
    }
    const CliOutcome epoch = cli.run({"runs", "inside", "2", "--epoch", "1"});
    QVERIFY2(epoch.out.contains("update_ratio") && epoch.out.contains("gamma_std"),
             qPrintable(epoch.out));
    const CliOutcome noEpoch = cli.run({"runs", "inside", "2", "--epoch", "9"});
    QCOMPARE(noEpoch.exitCode, 2);
    QVERIFY2(noEpoch.err.contains("no per-layer statistics for epoch 9"), qPrintable(noEpoch.err));

    const QString exported = tmp.path() + "/exported";
    const CliOutcome exportOutcome =
            cli.run({"export", "--all", "--format", "mlflow", "--out", exported});
    QVERIFY2(exportOutcome.exitCode == 0, qPrintable(exportOutcome.err));
    QVERIFY(exportOutcome.out.contains("exported 2 runs as mlflow"));
    QVERIFY(QFile::exists(exported + "/mlruns/1/meta.yaml"));

    // A norm sweep whose LayerNorm keeps its affine parameters says how it differs from the
    // reference; a dry run queues nothing.
    const CliOutcome dry = cli.run({"sweep", "s8-bn", "--norm", "batch,layer", "--dry-run"});
    QCOMPARE(dry.exitCode, 0);
    QVERIFY2(dry.err.contains("207816 parameters") && dry.err.contains("--no-affine"),
             qPrintable(dry.err));
    QCOMPARE(dry.out.count("would queue"), 2);
    const CliOutcome reference =
            cli.run({"sweep", "s8-bn", "--norm", "batch,layer", "--no-affine", "--dry-run"});
    QVERIFY2(!reference.err.contains("note:"), qPrintable(reference.err));
    QCOMPARE(cli.runs().size(), 2);

    // Not confirmed (stdin closed): kept.
    const CliOutcome asked = cli.run({"runs", "delete", "1"});
    QCOMPARE(asked.exitCode, 0);
    QVERIFY(asked.out.contains("kept run 1"));
    QCOMPARE(cli.runs().size(), 2);
    QCOMPARE(cli.run({"runs", "delete", "1", "--yes"}).exitCode, 0);
    QCOMPARE(cli.runs().size(), 1);
}

void TestCliStore::badStores_data()
{
    QTest::addColumn<QString>("setup");
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown run") << "store" << QStringList {"runs", "show", "12"}
                                 << "no run 12 in the store";
    QTest::newRow("no store in the folder") << "" << QStringList {"runs", "list"}
                                            << "no NormLab store here (normlab.db is missing)";
    QTest::newRow("no store to predict with")
            << "" << QStringList {"predict", "1", "x.png"} << "check the folder";
    QTest::newRow("no store to resume in")
            << "" << QStringList {"resume", "1"} << "no NormLab store here";
    QTest::newRow("not a run id") << "" << QStringList {"resume", "abc"} << "abc";
    QTest::newRow("corrupt database")
            << "garbage" << QStringList {"runs", "list"} << "not an SQLite database";
    QTest::newRow("foreign database")
            << "foreign" << QStringList {"train", "--epochs", "1"} << "another program";
    QTest::newRow("bad status filter")
            << "store" << QStringList {"runs", "list", "--status", "done"} << "--status: 'done'";
    QTest::newRow("sweep without axes")
            << "" << QStringList {"sweep", "--epochs", "1"} << "nothing to sweep";
    QTest::newRow("bad grid value")
            << "" << QStringList {"sweep", "--grid", "norm=batch,weight"} << "model.norm";
    QTest::newRow("bad grid syntax")
            << "" << QStringList {"sweep", "--grid", "norm"} << "expected KEY=VALUE1,VALUE2";
    QTest::newRow("unknown layer statistic")
            << "store" << QStringList {"runs", "inside", "1", "--stat", "nope"}
            << "--stat: 'nope' is not a statistic; one of input_mean";
    QTest::newRow("unknown sweep")
            << "store" << QStringList {"sweep", "--resume", "sweep-1"} << "no sweep";
}

void TestCliStore::badStores()
{
    QFETCH(QString, setup);
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    QTemporaryDir tmp;
    if (setup == "garbage") {
        writeAll(tmp.path() + "/normlab.db", QByteArray(4096, 'z'));
    } else if (setup == "store" || setup == "foreign") {
        QCOMPARE(Cli(tmp.path()).run(kOneSmallRun).exitCode, 0);
    }
    if (setup == "foreign") {
        QFile db(tmp.path() + "/normlab.db");
        QVERIFY(db.open(QIODevice::ReadWrite));
        db.seek(68); // the header's application id
        db.write(QByteArray("\0\0\0\1", 4));
        db.close();
    }
    const QByteArray before = readAll(tmp.path() + "/normlab.db");
    const CliOutcome o = Cli(tmp.path()).run(args);
    QCOMPARE(o.exitCode, 2);
    QVERIFY2(o.err.contains(message), qPrintable(o.err));
    QVERIFY2(!o.err.contains("internal error"), qPrintable(o.err));
    if (!setup.isEmpty())
        QCOMPARE(readAll(tmp.path() + "/normlab.db"), before); // refused, not altered
    else
        QVERIFY(!QFile::exists(tmp.path() + "/normlab.db")); // a mistyped folder stays empty
}

void TestCliStore::readOnlyStore()
{
    QTemporaryDir tmp;
    const QString store = tmp.path() + "/store";
    QCOMPARE(Cli(store).run(kOneSmallRun).exitCode, 0);
    QFile::setPermissions(tmp.path(), QFile::ReadOwner | QFile::ExeOwner | QFile::ReadOther |
                                              QFile::ExeOther | QFile::ReadGroup | QFile::ExeGroup);
    QFile::setPermissions(store, QFile::ReadOwner | QFile::ExeOwner | QFile::ReadOther |
                                         QFile::ExeOther | QFile::ReadGroup | QFile::ExeGroup);
    QFile::setPermissions(store + "/normlab.db",
                          QFile::ReadOwner | QFile::ReadOther | QFile::ReadGroup);
    // Root ignores permissions, so as root the child drops to nobody first.
    const auto dropRoot = [] {
        if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0))
            ::_exit(99);
    };
    if (Cli(store).run({"--version"}, dropRoot).exitCode != 0)
        QSKIP("normlab-cli cannot be run as nobody from this build folder");
    const CliOutcome o = Cli(store).run(
            {"train", "--epochs", "1", "--train-limit", "100", "--test-limit", "50"}, dropRoot);
    QFile::setPermissions(tmp.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    QFile::setPermissions(store, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    QVERIFY2(o.exitCode != 99, "could not drop root privileges");
    QCOMPARE(o.exitCode, 2);
    QVERIFY2(o.err.contains("read-only") || o.err.contains("cannot open") ||
                     o.err.contains("permission"),
             qPrintable(o.err));
    QVERIFY2(!o.err.contains("internal error"), qPrintable(o.err));
}

QTEST_GUILESS_MAIN(TestCliStore)
#include "test_cli_store.moc"
