// The disk fills at each of a training run's write points in turn (the store's set-up, the new
// run, its start, its batch losses, each epoch, each checkpoint, its end) and under export,
// report and config: every time a clear message and exit code 2, no temporary file left, the store
// opens with every earlier epoch, and `resume` ends the run as an uninterrupted twin ends.
//
// The disk is tests/support/fault_shim.cpp, loaded with LD_PRELOAD: a first run traces every write
// and sync to the store; each row then lets the disk fill at the start of one transaction (or
// checkpoint) of that trace.
#include "store_cli.h"
#include "test_support.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

using namespace normlab::test;

namespace {

// Two short epochs; with NORMLAB_BATCH_COMMIT_MS=0 (below) each batch is a commit of its own.
const QStringList kRun {"train",        "s8-bn", "--data",   "synthetic", "--train-limit", "256",
                        "--test-limit", "64",    "--epochs", "2",         "--threads",     "1"};

// The environment of a normlab-cli on a disk (every path containing `disk`) that fills after
// `writesBefore` writes and syncs; with `trace` set, nothing fails and every call is listed there.
QProcessEnvironment fillingDisk(const QString &disk, int writesBefore, const QString &trace = {})
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("NORMLAB_BATCH_COMMIT_MS", "0"); // the same writes however fast the build trains
    env.insert("LD_PRELOAD", NORMLAB_FAULT_SHIM);
    env.insert("NORMLAB_FAULT_PATH", disk);
    if (trace.isEmpty())
        env.insert("NORMLAB_FAULT_AFTER", QString::number(writesBefore));
    else
        env.insert("NORMLAB_FAULT_TRACE", trace);
    // The sanitizer build: the shim comes before the sanitizer's runtime in the load order.
    env.insert("ASAN_OPTIONS", env.value("ASAN_OPTIONS") + ":verify_asan_link_order=0");
    return env;
}

CliOutcome runCli(const QStringList &args, const QProcessEnvironment &env)
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(qEnvironmentVariable("NORMLAB_CLI"), args);
    p.closeWriteChannel();
    return finish(p, kTimeoutMs);
}

QStringList temporaryFilesUnder(const QString &dir)
{
    QStringList found;
    QDirIterator it(dir, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        if (path.contains(".tmp"))
            found << path;
    }
    return found;
}

bool isSync(const QString &call)
{
    return call == "fsync" || call == "fdatasync";
}

} // namespace

class TestCliDiskFull : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void trainingOnAFillingDisk_data();
    void trainingOnAFillingDisk();
    void everyWritePointWasHit();
    void otherWritesOnAFullDisk_data();
    void otherWritesOnAFullDisk();

private:
    QTemporaryDir m_tmp;
    QStringList m_trace; // "<call> <path>" per write or sync to the twin's store
    QJsonArray m_twinEpochs; // the uninterrupted run, epoch by epoch
    QStringList m_messages; // what the rows' runs said, for everyWritePointWasHit
};

void TestCliDiskFull::initTestCase()
{
    const QString store = m_tmp.path() + "/twin";
    const QString trace = m_tmp.path() + "/trace";
    const CliOutcome twin =
            runCli(kRun + QStringList {"--store", store}, fillingDisk(store, 0, trace));
    QVERIFY2(twin.exitCode == 0, qPrintable(twin.err));
    QFile file(trace);
    QVERIFY(file.open(QIODevice::ReadOnly));
    m_trace = QString::fromUtf8(file.readAll()).split('\n', Qt::SkipEmptyParts);
    QVERIFY2(m_trace.size() > 20, qPrintable(m_trace.join('\n')));
    m_twinEpochs = epochsOf(Cli(store).show(1));
    QCOMPARE(m_twinEpochs.size(), 2);
}

// One row per write point: the first call of each transaction (but only two of a series of like
// transactions: the batch-loss commits of an epoch), and every checkpoint.
void TestCliDiskFull::trainingOnAFillingDisk_data()
{
    QTest::addColumn<int>("writesBefore");
    QString previous;
    int alike = 0;
    int start = 0;
    for (int i = 0; i < m_trace.size(); ++i) {
        const QString call = m_trace[i].section(' ', 0, 0);
        const QString file = QFileInfo(m_trace[i].section(' ', 1)).fileName();
        if (file.contains(".pt.tmp")) {
            QTest::addRow("call %d: checkpoint %s", i, qPrintable(file.section(".tmp", 0, 0))) << i;
            start = i + 1;
            continue;
        }
        if (!isSync(call) || !file.startsWith("normlab.db"))
            continue;
        // A transaction ends with the sync of its file; the next call starts the next one.
        QStringList calls;
        for (int j = start; j <= i; ++j)
            calls << m_trace[j].section(' ', 0, 0) +
                             QFileInfo(m_trace[j].section(' ', 1)).fileName();
        // The run's start and its first batch-loss commit look alike: the first two of a series.
        alike = calls.join(',') == previous ? alike + 1 : 0;
        if (alike < 2)
            QTest::addRow("call %d: %d writes to %s", start, i - start, qPrintable(file)) << start;
        previous = calls.join(',');
        start = i + 1;
    }
}

void TestCliDiskFull::trainingOnAFillingDisk()
{
    QFETCH(int, writesBefore);
    QTemporaryDir tmp;
    const QString store = tmp.path() + "/store";
    const CliOutcome full =
            runCli(kRun + QStringList {"--store", store}, fillingDisk(store, writesBefore));
    const Cli cli(store);
    // Only the store's tidy-up as it closes may fail unseen (SQLite keeps the log it could not fold
    // into the database, and every commit is in it): the run must then be finished, as below.
    if (full.exitCode != 0) {
        QCOMPARE(full.exitCode, 2);
        m_messages << full.err;
        QVERIFY2(full.err.contains("normlab.db") || full.err.contains(".pt"), qPrintable(full.err));
        for (const char *never : {"internal error", "terminate", "c10::Error", "Assertion"})
            QVERIFY2(!full.err.contains(never), qPrintable(full.err));
    }
    QVERIFY2(temporaryFilesUnder(tmp.path()).isEmpty(),
             qPrintable(temporaryFilesUnder(tmp.path()).join(", ")));

    // The store opens; a run that was created keeps every epoch it recorded and goes on.
    const CliOutcome list = runCli({"runs", "list", "--json", "--store", store},
                                   QProcessEnvironment::systemEnvironment());
    QVERIFY2(list.exitCode == 0, qPrintable(list.err));
    if (list.out.trimmed().isEmpty()) {
        QVERIFY2(full.err.contains("the store cannot be set up") ||
                         full.err.contains("the new run not recorded"),
                 qPrintable(full.err));
        return;
    }
    const QJsonArray kept = epochsOf(cli.show(1));
    for (int e = 0; e < kept.size(); ++e)
        QCOMPARE(kept[e].toObject()["test_acc"].toDouble(),
                 m_twinEpochs[e].toObject()["test_acc"].toDouble());
    if (cli.runs()[0].toObject()["status"].toString() != "finished") {
        QVERIFY2(full.err.contains("`normlab-cli resume 1` continues it"), qPrintable(full.err));
        const CliOutcome resumed = cli.run({"resume", "1"});
        QVERIFY2(resumed.exitCode == 0, qPrintable(resumed.err));
    }
    QCOMPARE(cli.runs()[0].toObject()["status"].toString(), QString("finished"));
    const QJsonArray done = epochsOf(cli.show(1));
    QCOMPARE(done.size(), m_twinEpochs.size());
    for (int e = 0; e < done.size(); ++e)
        for (const char *key : {"train_loss", "test_loss", "test_acc", "lr"})
            QCOMPARE(done[e].toObject()[key].toDouble(),
                     m_twinEpochs[e].toObject()[key].toDouble());
}

// The rows above reached every kind of write a run makes, each named in its message.
void TestCliDiskFull::everyWritePointWasHit()
{
    const QString all = m_messages.join('\n');
    qInfo("%s", qPrintable(all));
    for (const char *point :
         {"the store cannot be set up", "the new run not recorded", "its start not recorded",
          "the batch losses of epoch 1 not recorded", "epoch 1 not recorded",
          "epoch 2 not recorded", "last.pt: write failed", "its end (finished) not recorded"})
        QVERIFY2(all.contains(point),
                 qPrintable(QString("no row ended with \"%1\":\n%2").arg(point, all)));
}

void TestCliDiskFull::otherWritesOnAFullDisk_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("named");
    QTest::newRow("config --out") << QStringList {"config", "s8-gn", "--out", "OUT/gn.json"}
                                  << "gn.json: write failed: No space left on device";
    QTest::newRow("export csv") << QStringList {"export", "1",   "--format", "csv",
                                                "--out",  "OUT", "--store",  "STORE"}
                                << "write failed: No space left on device";
    QTest::newRow("export tensorboard") << QStringList {"export", "1",   "--format", "tensorboard",
                                                        "--out",  "OUT", "--store",  "STORE"}
                                        << "write failed: No space left on device";
    QTest::newRow("export mlflow")
            << QStringList {"export", "1", "--format", "mlflow", "--out", "OUT", "--store", "STORE"}
            << "write failed: No space left on device";
    QTest::newRow("report html") << QStringList {"report", "1", "--out", "OUT", "--store", "STORE"}
                                 << "report.html: write failed: No space left on device";
    QTest::newRow("report md") << QStringList {"report", "1",   "--format", "md",
                                               "--out",  "OUT", "--store",  "STORE"}
                               << "write failed: No space left on device";
}

// Writes outside the store, to a disk that is full from the start; the store they read is kept.
void TestCliDiskFull::otherWritesOnAFullDisk()
{
    QFETCH(QStringList, args);
    QFETCH(QString, named);
    QTemporaryDir tmp;
    const QString out = tmp.path() + "/out";
    QVERIFY(QDir().mkpath(out));
    args.replaceInStrings("OUT", out);
    args.replaceInStrings("STORE", m_tmp.path() + "/twin");
    const CliOutcome o = runCli(args, fillingDisk(out, 0));
    QCOMPARE(o.exitCode, 2);
    QVERIFY2(o.err.contains(named), qPrintable(o.err));
    QVERIFY2(!o.err.contains("internal error"), qPrintable(o.err));
    QVERIFY2(temporaryFilesUnder(out).isEmpty(), qPrintable(temporaryFilesUnder(out).join(", ")));
    QCOMPARE(Cli(m_tmp.path() + "/twin").runs()[0].toObject()["status"].toString(),
             QString("finished"));
}

QTEST_GUILESS_MAIN(TestCliDiskFull)
#include "test_cli_disk_full.moc"
