// `normlab-cli lr-find`: the range test from the terminal, its table, its JSON, its record in the
// store, and bad input named with exit code 2.

#include "run_store.h"
#include "test_support.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace normlab;

class TestCliLrFind : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void printsRecordsAndSuggests()
    {
        QTemporaryDir dir;
        const test::CliOutcome out = test::runCli(
                {"lr-find", "s8-gn", "--data", "synthetic", "--train-limit", "640", "--iters",
                 "30", "--start", "1e-4", "--end", "0.5", "--threads", "1", "--store", dir.path()});
        QCOMPARE(out.exitCode, 0);
        QVERIFY2(out.out.contains("30 batches from 0.0001 to 0.5"), qPrintable(out.out));
        QVERIFY2(out.out.contains("suggested maximum learning rate:") ||
                         out.out.contains("no suggestion"),
                 qPrintable(out.out));
        QVERIFY2(out.out.contains("recorded as lr test 1"), qPrintable(out.out));
        RunStore store(dir.path().toStdString());
        const std::vector<LrTestRecord> tests = store.lrTests(0);
        QCOMPARE(tests.size(), std::size_t(1));
        QVERIFY(!tests[0].points.empty() && tests[0].points.size() <= 30);
        QCOMPARE(tests[0].points.front().lr, 1e-4);
        if (tests[0].suggestedLr > 0)
            QVERIFY2(out.out.contains(QString("--schedule onecycle --max-lr %1")
                                              .arg(tests[0].suggestedLr, 0, 'g', 3)),
                     qPrintable(out.out));
    }

    // --run tests a recorded run's config and files the test under that run.
    void aRunsTestIsFiledWithTheRun()
    {
        QTemporaryDir dir;
        const test::CliOutcome trained = test::runCli(
                {"train", "s8-gn", "--data", "synthetic", "--train-limit", "320", "--test-limit",
                 "100", "--epochs", "1", "--threads", "1", "--store", dir.path()});
        QCOMPARE(trained.exitCode, 0);
        const test::CliOutcome out =
                test::runCli({"lr-find", "--run", "1", "--iters", "12", "--json", "--store",
                              dir.path()});
        QCOMPARE(out.exitCode, 0);
        const QJsonObject json = QJsonDocument::fromJson(out.out.toUtf8()).object();
        QCOMPARE(json["run"].toInt(), 1);
        QCOMPARE(json["points"].toArray().size(), 12);
        QVERIFY(json["rule"].toString().contains("steepest descent"));
        RunStore store(dir.path().toStdString());
        QCOMPARE(store.lrTests(1).size(), std::size_t(1));
        QVERIFY(store.lrTests(0).empty());
        const test::CliOutcome shown =
                test::runCli({"runs", "show", "1", "--store", dir.path()});
        QCOMPARE(shown.exitCode, 0);
        QVERIFY2(shown.out.contains("lr test    1: 12 batches from 1e-05 to 1"),
                 qPrintable(shown.out));
    }

    void badInputIsNamed_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<bool>("store");
        QTest::addColumn<QString>("message");
        QTest::newRow("end below start") << QStringList {"--start", "0.1", "--end", "0.01"} << false
                                         << "'end' must be larger than 'start'";
        QTest::newRow("one batch") << QStringList {"--iters", "1"} << false << "'iters'";
        QTest::newRow("no such run") << QStringList {"--run", "42"} << true << "no run 42";
        QTest::newRow("a run of no store")
                << QStringList {"--run", "1"} << false << "no NormLab store here";
    }
    void badInputIsNamed()
    {
        QFETCH(QStringList, args);
        QFETCH(bool, store);
        QFETCH(QString, message);
        QTemporaryDir dir;
        if (store)
            RunStore made(dir.path().toStdString());
        const test::CliOutcome out = test::runCli(QStringList {"lr-find", "--data", "synthetic"}
                                                  << args << "--store" << dir.path());
        QCOMPARE(out.exitCode, 2);
        QVERIFY2(out.err.contains(message), qPrintable(out.err));
    }
};

QTEST_GUILESS_MAIN(TestCliLrFind)
#include "test_cli_lr_find.moc"
