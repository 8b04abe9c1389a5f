// The Curves tab says what its lines are, grouped or not, and why a chart is empty; a seed group's
// band is named without the seed, and repeats of one seed are drawn run by run, not as a band.

#include "curves_view.h"
#include "metrics_chart.h"
#include "qcustomplot_include.h"
#include "recorded_runs.h"
#include "run_store.h"
#include "seed_groups.h"
#include "test_support.h"

#include <QLabel>
#include <QSettings>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace normlab;
using namespace normlab::gui;
using test::recordRun;

namespace {

qint64 recordRun(RunStore &store, std::uint64_t seed)
{
    test::RecordedRun run;
    run.config = test::quickConfig(2);
    run.config.seed = seed;
    run.name = "r";
    for (int e = 1; e <= 2; ++e) {
        EpochMetrics m;
        m.epoch = e;
        m.trainLoss = 2.0 / e + 0.01 * static_cast<double>(seed);
        m.testLoss = 1.5 / e;
        m.testAccuracy = 40.0 + e + static_cast<double>(seed);
        m.wallTime = 1'000'000 + 60.0 * e;
        run.epochs.push_back(m);
    }
    return test::recordRun(store, run);
}

} // namespace

class TestCurvesView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_tmp = std::make_unique<QTemporaryDir>();
        QCoreApplication::setOrganizationName("NormLabTest");
        QSettings().clear();
    }

    // With Group seeds the thin lines are the seeds' mean per-epoch train values: the caption said
    // "train loss of the latest batch" for them.
    void captionSaysWhatGroupedLinesAre()
    {
        QTemporaryDir dir;
        RunStore store(dir.path().toStdString());
        const qint64 a = recordRun(store, 1), b = recordRun(store, 2);
        CurvesView view;
        view.showRuns(store, {a, b});
        QVERIFY(view.lossChart()->caption().contains("latest batch"));
        view.setGroupSeeds(true);
        QCOMPARE(view.lossChart()->bandCount(), 1);
        QVERIFY2(view.lossChart()->caption().contains("seeds' mean train loss of each epoch"),
                 qPrintable(view.lossChart()->caption()));
        QVERIFY(view.accuracyChart()->caption().contains("seeds' mean train accuracy"));
        view.setGroupSeeds(false);
        QVERIFY(!view.lossChart()->caption().contains("seeds' mean"));
    }

    // By time, a resumed run's stop is not drawn: 5:08 of stop and training for 37 s of training
    // drew a flat line that squeezed every other run to the left. Each epoch's end is at the
    // training time the runs table shows, live and reloaded alike.
    void byTimeAResumeLeavesNoGap()
    {
        QTemporaryDir dir;
        RunStore store(dir.path().toStdString());
        test::RecordedRun run;
        run.config = test::quickConfig(3);
        constexpr double start = 1'000'000, stopped = 3600; // an hour between epochs 2 and 3
        const double ends[] = {start + 20, start + 40, start + 40 + stopped + 20};
        for (int e = 1; e <= 3; ++e) {
            EpochMetrics m;
            m.epoch = e;
            m.seconds = 18;
            m.testLoss = 2.0 / e;
            m.wallTime = ends[e - 1];
            run.epochs.push_back(m);
        }
        const qint64 id = test::recordRun(store, run);
        CurvesView view;
        view.showRuns(store, {id});
        for (MetricsChart *chart : {view.lossChart(), view.accuracyChart()})
            chart->setXAxis(MetricsChart::XAxis::Time);
        view.lossChart()->flush();
        QCPGraph *test = nullptr;
        for (int g = 0; g < view.lossChart()->plot()->graphCount(); ++g)
            if (view.lossChart()->plot()->graph(g)->data()->size() == 3)
                test = view.lossChart()->plot()->graph(g);
        QVERIFY(test);
        QList<double> keys;
        for (auto it = test->data()->constBegin(); it != test->data()->constEnd(); ++it)
            keys << it->key;
        QCOMPARE(keys, (QList<double> {18, 36, 54})); // 0:54, as the runs table's Time says

        // The same run continuing live: a batch 5 s into epoch 4, after another stop.
        BatchProgress p;
        p.epoch = 4;
        p.batch = 1;
        p.batches = 10;
        p.step = 31;
        p.epochSeconds = 5;
        p.wallTime = ends[2] + 600;
        view.addBatch(id, p);
        EpochMetrics m;
        m.epoch = 4;
        m.seconds = 18;
        m.testLoss = 0.4;
        m.wallTime = p.wallTime + 13;
        view.addEpoch(id, m);
        view.lossChart()->flush();
        QCOMPARE(test->data()->size(), 4);
        QCOMPARE((test->data()->constEnd() - 1)->key, 72.0);
        QCOMPARE(view.lossChart()->plot()->xAxis->label(),
                 QString("training time (stops not counted)"));
    }

    // A ticked run still in its first epoch is not "no run shown".
    void emptyHintTellsNoRunFromNothingYet()
    {
        CurvesView view;
        view.lossChart()->flush();
        QVERIFY(view.lossChart()->hintShown().startsWith("No run shown"));
        view.accuracyChart()->setRun(7, "7 training", Qt::blue);
        view.accuracyChart()->flush();
        QVERIFY2(view.accuracyChart()->hintShown().contains("end of epoch 1"),
                 qPrintable(view.accuracyChart()->hintShown()));
        view.accuracyChart()->addTestPoint(7, 1.0, 40.0);
        view.accuracyChart()->flush();
        QCOMPARE(view.accuracyChart()->hintShown(), QString());
    }

    void bandNamesLeaveTheSeedOut_data();
    void bandNamesLeaveTheSeedOut();
    void repeatsAreNotSeeds();

private:
    std::unique_ptr<QTemporaryDir> m_tmp;
};

void TestCurvesView::bandNamesLeaveTheSeedOut_data()
{
    QTest::addColumn<QString>("first");
    QTest::addColumn<QString>("band");
    QTest::newRow("sweep") << "s8-bn norm=batch seed=1" << "s8-bn norm=batch";
    QTest::newRow("gui") << "s8 GroupNorm, seed 2" << "s8 GroupNorm";
    QTest::newRow("middle") << "s9 seed=3 lr=0.05" << "s9 lr=0.05";
    QTest::newRow("no seed") << "my run" << "my run";
    QTest::newRow("only a seed") << "seed=4" << "seed=4";
    QTest::newRow("word") << "seedless 7" << "seedless 7";
}

// The band of runs 1 and 2 was named "s8-bn norm=batch seed=1 (2 seed(s), mean ± std)".
void TestCurvesView::bandNamesLeaveTheSeedOut()
{
    QFETCH(QString, first);
    QFETCH(QString, band);
    SeedGroup g;
    RunRecord a, b;
    a.name = first.toStdString();
    b.name = "other";
    g.members = {a, b};
    QCOMPARE(g.name(), band);
}

// Compare Normalizations re-trained an existing run: "(2 seeds)" had one seed, lost its train
// curve, and neither a band nor a word why.
void TestCurvesView::repeatsAreNotSeeds()
{
    RunStore store(m_tmp->path().toStdString());
    const qint64 a = recordRun(store, 1, {2.0, 1.5, 1.2});
    const qint64 b = recordRun(store, 1, {2.1, 1.6, 1.3});
    SeedGrouping g = seedGroups(store, {a, b});
    QCOMPARE(g.groups.size(), 0);
    QCOMPARE(g.repeatsOnly.size(), 1);
    QVERIFY2(g.explanation().contains("repeats, not seeds"), qPrintable(g.explanation()));

    const qint64 c = recordRun(store, 2, {1.8, 1.4, 1.0});
    g = seedGroups(store, {a, b, c});
    QCOMPARE(g.groups.size(), 1);
    QCOMPARE(g.groups[0].seedCount(), 2);
    QCOMPARE(g.groups[0].repeats.size(), 1);
    QCOMPARE(g.groups[0].repeats[0].id, a); // of two equal runs, the newer one is kept
    QCOMPARE(g.groups[0].testLoss.mean[2], (1.3 + 1.0) / 2);
    QCOMPARE(g.groups[0].trainLoss.mean[2], (1.4 + 1.1) / 2);
    QVERIFY2(g.explanation().contains(QString("%1 left out").arg(a)), qPrintable(g.explanation()));

    // On the chart: repeats alone stay drawn run by run, each with its train curve.
    CurvesView view;
    view.setGroupSeeds(true);
    view.showRuns(store, {a, b});
    view.lossChart()->flush();
    QCOMPARE(view.lossChart()->bandCount(), 0);
    QCOMPARE(view.lossChart()->plot()->legend->itemCount(), 2);
    QVERIFY(view.findChild<QLabel *>() != nullptr);
    bool said = false;
    for (const QLabel *label : view.findChildren<QLabel *>())
        said = said || (label->isVisibleTo(&view) && label->text().contains("repeats, not seeds"));
    QVERIFY(said);
    view.showRuns(store, {a, b, c});
    view.lossChart()->flush();
    QCOMPARE(view.lossChart()->bandCount(), 1);
    // The band, and the repeat it left out, drawn on its own.
    QCOMPARE(view.lossChart()->plot()->legend->itemCount(), 2);
}

QTEST_MAIN(TestCurvesView)
#include "test_curves_view.moc"
