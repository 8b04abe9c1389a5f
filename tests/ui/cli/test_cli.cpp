// normlab-cli as a user runs it: exit codes and messages for bad input, a short real run.
#include "presets.h"
#include "synthetic.h"
#include "test_support.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace normlab;
using namespace normlab::test;

class TestCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void badInput_data();
    void badInput();
    void badOutRecordsNoRun();
    void summaryPrintsTotals();
    void presetsListMeasuredResults();
    void shortSyntheticRun();

private:
    QTemporaryDir m_tmp;
};

void TestCli::initTestCase()
{
    QVERIFY2(QFileInfo::exists(qEnvironmentVariable("NORMLAB_CLI")),
             "NORMLAB_CLI must name the normlab-cli binary");
    const Dataset data = makeSyntheticDataset(20, 1);
    // A binary layout with one truncated file and one bad label, and image folders with faults.
    const QString bin = m_tmp.path() + "/truncated";
    QDir().mkpath(bin);
    for (int i = 1; i <= 5; ++i)
        writeCifarBin(data, QString("%1/data_batch_%2.bin").arg(bin).arg(i), 5);
    writeCifarBin(data, bin + "/test_batch.bin", 5);
    writeAll(bin + "/data_batch_2.bin", readAll(bin + "/data_batch_2.bin").left(1000));

    const QString label = m_tmp.path() + "/label11";
    QDir().mkpath(label);
    for (int i = 1; i <= 5; ++i)
        writeCifarBin(data, QString("%1/data_batch_%2.bin").arg(label).arg(i), 5);
    QByteArray test = readAll(bin + "/test_batch.bin");
    test[0] = 11;
    writeAll(label + "/test_batch.bin", test);

    const QString folders = m_tmp.path() + "/folders";
    writeImageFolder(data, folders + "/train", 20);
    writeImageFolder(data, folders + "/test", 20);
    QDir().mkpath(folders + "/test/" + QString::fromStdString(data.classNames[0]) + "_empty");

    // A CIFAR layout whose first training file is a folder.
    const QString folderBin = m_tmp.path() + "/folder-bin";
    QDir().mkpath(folderBin + "/data_batch_1.bin");
    for (int i = 2; i <= 5; ++i)
        writeCifarBin(data, QString("%1/data_batch_%2.bin").arg(folderBin).arg(i), 5);
    writeCifarBin(data, folderBin + "/test_batch.bin", 5);
    writeAll(m_tmp.path() + "/a-file", "not a folder");
    writeAll(m_tmp.path() + "/wrapped.json", R"({"epochs": 4294967297})");
    writeAll(m_tmp.path() + "/duplicate.json", R"({"epochs": 2, "epochs": 3})");

    writeAll(m_tmp.path() + "/unknown-key.json", R"({"epochs": 2, "learning_rate": 0.1})");
    writeAll(m_tmp.path() + "/range.json", R"({"model": {"dropout": 2.0}})");
}

void TestCli::badInput_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    const QString t = m_tmp.path();
    QTest::newRow("missing folder")
            << QStringList {"train", "--data", t + "/nope"} << "nope: no such file or folder";
    QTest::newRow("truncated bin")
            << QStringList {"train", "--data", t + "/truncated"}
            << "data_batch_2.bin: 1000 bytes is not a whole number of 3073-byte records";
    QTest::newRow("label 11") << QStringList {"train", "--data", t + "/label11"}
                              << "record 0 has label 11";
    QTest::newRow("class folders differ")
            << QStringList {"train", "--data", t + "/folders"} << "class folders differ";
    QTest::newRow("unknown preset") << QStringList {"train", "s7"} << "unknown preset 's7'";
    QTest::newRow("unknown norm") << QStringList {"train", "--norm", "weight"}
                                  << "--norm: 'weight' is not one of";
    QTest::newRow("unknown key in config")
            << QStringList {"train", "--config", t + "/unknown-key.json"}
            << "unknown-key.json: config: unknown key 'learning_rate'";
    QTest::newRow("out of range in config") << QStringList {"train", "--config", t + "/range.json"}
                                            << "'model.dropout' is 2, allowed 0 to 0.9";
    QTest::newRow("missing config")
            << QStringList {"train", "--config", t + "/none.json"} << "cannot open the config file";
    QTest::newRow("bad groups") << QStringList {"summary", "s8-gn", "--groups", "5"}
                                << "'model.groups' is 5";
    QTest::newRow("unknown option")
            << QStringList {"train", "--learning-rate", "3"} << "learning-rate";
    QTest::newRow("cifar file is a folder")
            << QStringList {"train", "--data", t + "/folder-bin"}
            << "data_batch_1.bin: is a folder, not a CIFAR-10 .bin file";
    QTest::newRow("config is a folder")
            << QStringList {"train", "--config", t} << "is a folder, not a config file";
    QTest::newRow("config --out is a folder") << QStringList {"config", "s8-bn", "--out", t}
                                              << "is a folder; give the name of a file";
    QTest::newRow("train --out is a file")
            << QStringList {"train",       "--data",  "synthetic",     "--out",
                            t + "/a-file", "--store", t + "/out-store"}
            << "--out " + t + "/a-file: is a file, not a folder";
    QTest::newRow("number wraps") << QStringList {"train", "--config", t + "/wrapped.json"}
                                  << "'epochs' is 4294967297, outside";
    QTest::newRow("duplicate key") << QStringList {"train", "--config", t + "/duplicate.json"}
                                   << "the key 'epochs' appears twice";
    QTest::newRow("unknown command") << QStringList {"frobnicate"}
                                     << "unknown command 'frobnicate'; the commands are: train";
    QTest::newRow("unknown runs command")
            << QStringList {"runs", "frob"} << "normlab-cli runs: unknown command 'frob'";
    QTest::newRow("bad schedule")
            << QStringList {"train", "--schedule", "exponential", "--data", "synthetic"}
            << "'schedule.type' is 'exponential', allowed: none, plateau, step, onecycle, cosine";
}

void TestCli::badInput()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    const CliOutcome o = runCli(args, 60'000);
    QCOMPARE(o.exitCode, 2);
    QVERIFY2(o.err.contains(message), qPrintable(o.err));
    QVERIFY2(!o.err.contains("internal error"), qPrintable(o.err));
    // Nothing half-written is left beside what was named.
    QVERIFY(QDir(m_tmp.path()).entryList({"*.tmp*"}, QDir::Files).isEmpty());
}

// A bad --out is bad input, found before a run is recorded: no junk failed run.
void TestCli::badOutRecordsNoRun()
{
    QTemporaryDir dir;
    const QString store = dir.filePath("store");
    const QStringList small {"--data",   "synthetic", "--train-limit", "64", "--test-limit", "32",
                             "--epochs", "1",         "--threads",     "1",  "--store",      store};
    QCOMPARE(runCli(QStringList {"train"} + small).exitCode, 0);
    writeAll(dir.filePath("a-file"), "not a folder");
    const CliOutcome bad = runCli(QStringList {"train", "--out", dir.filePath("a-file")} + small);
    QCOMPARE(bad.exitCode, 2);
    QVERIFY2(bad.err.contains("is a file, not a folder"), qPrintable(bad.err));
    const CliOutcome list = runCli({"runs", "list", "--json", "--store", store});
    QCOMPARE(list.exitCode, 0);
    QCOMPARE(list.out.count('\n'), 1); // the first run only
    QVERIFY2(!list.out.contains("failed"), qPrintable(list.out));
}

void TestCli::summaryPrintsTotals()
{
    const CliOutcome o = runCli({"summary", "s9"});
    QCOMPARE(o.exitCode, 0);
    QVERIFY(o.out.contains("Total params: 167424"));
    QVERIFY(o.out.contains("C5.conv"));
}

void TestCli::presetsListMeasuredResults()
{
    const CliOutcome o = runCli({"presets"});
    QCOMPARE(o.exitCode, 0);
    const QStringList lines = o.out.split('\n');
    QVERIFY2(lines.first().contains("published") && lines.first().contains("NormLab"),
             qPrintable(o.out));
    // One row per preset, after the header: its name, the published and the measured number.
    for (const PresetInfo &p : presets()) {
        const QString name = QString::fromStdString(p.name);
        const auto row = std::find_if(lines.begin(), lines.end(), [&](const QString &line) {
            return line.section(' ', 0, 0) == name;
        });
        QVERIFY2(row != lines.end(), qPrintable(name + " missing from:\n" + o.out));
        const QStringList cells = row->simplified().split(' ');
        QCOMPARE(cells.at(1), p.referenceAccuracy > 0 ? QString::number(p.referenceAccuracy, 'f', 2)
                                                      : QString("-"));
        const int measured = p.referenceAccuracy > 0 ? 3 : 2;
        QCOMPARE(cells.at(measured), QString::number(p.measuredAccuracy, 'f', 2));
    }
}

void TestCli::shortSyntheticRun()
{
    const QString out = m_tmp.path() + "/run";
    const CliOutcome o =
            runCli({"train", "s8-gn", "--data", "synthetic", "--epochs", "2", "--train-limit",
                    "400", "--test-limit", "100", "--threads", "1", "--json", "--out", out});
    QCOMPARE(o.exitCode, 0);
    const QStringList lines = o.out.split('\n', Qt::SkipEmptyParts);
    int epochs = 0;
    QJsonObject end;
    for (const QString &line : lines) {
        const QJsonObject j = QJsonDocument::fromJson(line.toUtf8()).object();
        QVERIFY2(!j.isEmpty(), qPrintable(line));
        if (j["event"] == "epoch")
            ++epochs;
        if (j["event"] == "end")
            end = j;
    }
    QCOMPARE(epochs, 2);
    QCOMPARE(end["status"].toString(), QString("finished"));
    QVERIFY(QFileInfo::exists(out + "/config.json"));
    QVERIFY(QFileInfo::exists(out + "/last.pt"));
    QCOMPARE(readAll(out + "/metrics.jsonl").count('\n'), 2);

    // The saved config trains again as it is.
    const CliOutcome again = runCli({"summary", "--config", out + "/config.json"});
    QCOMPARE(again.exitCode, 0);
    QVERIFY(again.out.contains("GroupNorm"));
}

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
