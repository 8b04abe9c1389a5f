// The BLAS report normlab-bench starts with: which library LibTorch's products run on, and a rate.
#include "blas_probe.h"
#include "trainer.h"

#include <QFileInfo>
#include <QTest>

using namespace normlab;

class TestBlasProbe : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void namesTheLoadedLibraryAndTimesIt_data();
    void namesTheLoadedLibraryAndTimesIt();
};

void TestBlasProbe::namesTheLoadedLibraryAndTimesIt_data()
{
    QTest::addColumn<int>("threads");
    QTest::newRow("1 thread") << 1;
    QTest::newRow("2 threads") << 2;
}

void TestBlasProbe::namesTheLoadedLibraryAndTimesIt()
{
    QFETCH(int, threads);
    Trainer::applyThreadCount(threads);
    const BlasProbe probe = probeBlas(256, 0.05);
    // Debian's LibTorch links libblas.so.3; whichever BLAS provides it, the probe names a real file
    // (symlinks resolved, so the alternative in use shows).
    QVERIFY2(!probe.library.empty(), "no library provides sgemm_");
    const QFileInfo file(QString::fromStdString(probe.library));
    QVERIFY2(file.exists() && !file.isSymLink(), qPrintable(file.filePath()));
    QVERIFY2(file.fileName().contains("blas"), qPrintable(file.fileName()));
    QCOMPARE(probe.size, 256);
    QCOMPARE(probe.threads, threads);
    QVERIFY(probe.gflops > 0);
}

QTEST_GUILESS_MAIN(TestBlasProbe)
#include "test_blas_probe.moc"
