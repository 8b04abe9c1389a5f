// The runs' colours: distinct for many runs in a row, and visible as thin lines on white.

#include "run_palette.h"

#include <QSet>
#include <QtTest>

using namespace normlab::gui;

class TestRunPalette : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void twentySevenRunsInARowHaveTwentySevenColours_data()
    {
        QTest::addColumn<qint64>("first");
        QTest::newRow("ids 1-27") << qint64(1);
        QTest::newRow("ids 5-31") << qint64(5);
        QTest::newRow("ids 100-126") << qint64(100);
    }

    void twentySevenRunsInARowHaveTwentySevenColours()
    {
        QFETCH(qint64, first);
        QSet<QRgb> colours;
        for (qint64 id = first; id < first + 27; ++id)
            colours.insert(runColor(id).rgb());
        QCOMPARE(colours.size(), 27);
    }

    void everyColourStandsOutOnWhite()
    {
        for (qint64 id = 1; id <= 54; ++id)
            QVERIFY2(contrastRatio(runColor(id), Qt::white) >= kMinimumContrast,
                     qPrintable(QString("run %1: %2 has contrast %3")
                                        .arg(id)
                                        .arg(runColor(id).name())
                                        .arg(contrastRatio(runColor(id), Qt::white))));
    }

    void contrastRatioIsWcags()
    {
        QCOMPARE(contrastRatio(Qt::black, Qt::white), 21.0);
        QCOMPARE(contrastRatio(Qt::white, Qt::white), 1.0);
        // Tol's sand was too faint for a line before it was darkened.
        QVERIFY(contrastRatio(QColor(0xDD, 0xCC, 0x77), Qt::white) < kMinimumContrast);
    }
};

QTEST_MAIN(TestRunPalette)
#include "test_run_palette.moc"
