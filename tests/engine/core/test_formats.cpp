// Durations and memory sizes, written one way for every view.

#include "durations.h"

#include <QtTest>

using namespace normlab;

class TestFormats : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void durations_data()
    {
        QTest::addColumn<double>("seconds");
        QTest::addColumn<QString>("text");
        QTest::newRow("rounded") << 41.6 << "0:42";
        QTest::newRow("minutes") << 725.0 << "12:05";
        QTest::newRow("hours") << 3723.0 << "1:02:03";
        QTest::newRow("negative") << -5.0 << "0:00";
    }

    void durations()
    {
        QFETCH(double, seconds);
        QFETCH(QString, text);
        QCOMPARE(QString::fromStdString(formatDuration(seconds)), text);
    }

    // Decimal megabytes, as `runs show` prints them: the GUI said 542 (MiB) for 569 MB.
    void megabytes_data()
    {
        QTest::addColumn<qint64>("bytes");
        QTest::addColumn<QString>("text");
        QTest::newRow("569 MB") << qint64(569'000'000) << "569 MB";
        QTest::newRow("rounded") << qint64(568'600'000) << "569 MB";
        QTest::newRow("zero") << qint64(0) << "0 MB";
    }

    void megabytes()
    {
        QFETCH(qint64, bytes);
        QFETCH(QString, text);
        QCOMPARE(QString::fromStdString(formatMegabytes(bytes)), text);
    }
};

QTEST_GUILESS_MAIN(TestFormats)
#include "test_formats.moc"
