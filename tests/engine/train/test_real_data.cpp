// Training on the real CIFAR-10, where NORMLAB_DATA_DIR points at it; skipped cleanly elsewhere.
#include "config.h"
#include "dataset.h"
#include "presets.h"
#include "trainer.h"

#include <QTest>

using namespace normlab;

class TestRealData : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void oneEpochOnASliceLearns();
};

void TestRealData::oneEpochOnASliceLearns()
{
    const QString dir = qEnvironmentVariable("NORMLAB_DATA_DIR");
    if (dir.isEmpty())
        QSKIP("NORMLAB_DATA_DIR is not set: no real CIFAR-10 here");
    ExperimentConfig c = presetConfig("s8-bn");
    c.epochs = 1;
    c.threads = 2;
    c.data.source = dir.toStdString();
    c.data.trainLimit = 5000;
    c.data.testLimit = 1000;
    const DatasetPair data = loadDatasets(c.data);
    QCOMPARE(data.train.size(), std::size_t(5000));
    QCOMPARE(data.test.size(), std::size_t(1000));
    QCOMPARE(data.train.numClasses(), 10);
    const RunResult r = Trainer(c, data).run();
    QVERIFY(r.status == RunStatus::Finished);
    const double accuracy = r.epochs.back().testAccuracy;
    qInfo("one epoch on 5,000 real images: test accuracy %.2f %% on 1,000", accuracy);
    QVERIFY2(accuracy > 22.0, qPrintable(QString("accuracy %1 %, chance is 10 %").arg(accuracy)));
}

QTEST_GUILESS_MAIN(TestRealData)
#include "test_real_data.moc"
