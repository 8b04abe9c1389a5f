// The Mistakes tab: a confusion cell, the diagonal included, says what it shows and is marked, and
// another run starts unfiltered; Grad-CAM over the gallery; the detail pane of a selected mistake.

#include "config_json.h"
#include "confusion_matrix_view.h"
#include "mistake_detail_view.h"
#include "probability_bars.h"
#include "mistakes_model.h"
#include "mistakes_view.h"
#include "run_session.h"
#include "recorded_runs.h"
#include "run_store.h"
#include "run_writer.h"
#include "test_support.h"

#include <QImage>
#include <QLabel>
#include <QPixmap>
#include <QSignalSpy>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <memory>

using namespace normlab;
using namespace normlab::gui;
using test::quickConfig;
using test::recordRun;

class TestMistakesView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void confusionCellsSayWhatTheyShow();
    void gradCamOverlaysTheMistakes();
    void detailPaneExplainsTheSelectedMistake();
    void imagesThatCannotBeShownSayWhy_data();
    void imagesThatCannotBeShownSayWhy();

private:
    qint64 trainedRun(RunStore &store);
    std::unique_ptr<QTemporaryDir> m_tmp;
};

void TestMistakesView::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QCoreApplication::setOrganizationName("NormLabTest");
    QSettings().clear();
}

// A diagonal cell gave "0 of 667 misclassified" and no word why; the chosen cell was not marked;
// the filters carried over to another run.
void TestMistakesView::confusionCellsSayWhatTheyShow()
{
    RunStore store(m_tmp->path().toStdString());
    ExperimentConfig c = quickConfig(1);
    const qint64 id = store.createRun({"s8 BatchNorm", toJson(c).dump(), 1, {}, {}, {}});
    {
        RunWriter writer(store, id);
        writer.started({"synthetic", "", "", {"a", "b", "c"}, 48552, "cpu"});
        EpochMetrics m;
        m.epoch = 1;
        m.confusion = {5, 2, 1, /**/ 0, 7, 3, /**/ 1, 0, 9};
        const QVector<QPair<int, int>> wrong {{0, 1}, {0, 1}, {0, 2}, {1, 2},
                                              {1, 2}, {1, 2}, {2, 0}};
        for (int i = 0; i < wrong.size(); ++i)
            m.misclassified.push_back({i, wrong[i].first, wrong[i].second, 0.6f});
        writer.addEpoch(m);
        writer.finish(RunState::Finished);
    }
    MistakesView view;
    view.showRun(store, id);
    QCOMPARE(view.shownCount(), 7);
    view.setFilter(0, 1);
    QCOMPARE(view.shownCount(), 2);
    QCOMPARE(view.confusionMatrix()->selectedCell(), qMakePair(0, 1));
    // The diagonal: the class's mistakes, with the reason.
    view.setFilter(1, 1);
    QCOMPARE(view.shownCount(), 3);
    QCOMPARE(view.confusionMatrix()->selectedCell(), qMakePair(1, 1));
    bool explained = false;
    for (const QLabel *label : view.findChildren<QLabel *>())
        explained =
                explained || (label->text().contains("diagonal counts correct predictions (7 b"));
    QVERIFY(explained);
    // Another run starts unfiltered.
    const qint64 other = recordRun(store, 2, {2.0});
    view.showRun(store, other);
    QCOMPARE(view.confusionMatrix()->selectedCell(), qMakePair(-1, -1));
    view.showRun(store, id);
    QCOMPARE(view.shownCount(), 7);
}

// Grad-CAM over the gallery: computed off the GUI thread for the mistakes shown, drawn over each
// picture; an epoch without kept weights says which epochs can be drawn.
qint64 TestMistakesView::trainedRun(RunStore &store)
{
    ExperimentConfig c = quickConfig(2);
    c.data.testLimit = 200;
    const qint64 id = store.createRun({"cam", toJson(c).dump(), c.seed, {}, {}, {}});
    RunSession session(store, id);
    session.run({});
    return id;
}

void TestMistakesView::gradCamOverlaysTheMistakes()
{
    RunStore store(m_tmp->path().toStdString());
    const qint64 id = trainedRun(store);
    MistakesView view;
    view.resize(900, 600);
    view.show();
    view.showRun(store, id);
    QTRY_VERIFY_WITH_TIMEOUT(view.imagesLoaded(), 30'000);
    QVERIFY(view.shownCount() > 0);
    const QImage plain = view.model()->data(view.model()->index(0), Qt::DecorationRole)
                                 .value<QPixmap>()
                                 .toImage();
    const RunRecord r = store.run(id);
    view.setEpoch(r.epochsDone);
    view.setGradCam(true);
    QTRY_COMPARE_WITH_TIMEOUT(view.model()->heatMapCount(), view.shownCount(), 60'000);
    const QImage overlaid = view.model()->data(view.model()->index(0), Qt::DecorationRole)
                                    .value<QPixmap>()
                                    .toImage();
    QCOMPARE(overlaid.size(), plain.size());
    QVERIFY(overlaid != plain);
    view.setGradCamOpacity(0.9); // the heat map stronger: another picture
    QVERIFY(view.model()->data(view.model()->index(0), Qt::DecorationRole)
                    .value<QPixmap>()
                    .toImage() != overlaid);
    if (r.bestCheckpointEpoch != 1 && r.epochsDone != 1) {
        view.setEpoch(1);
        QVERIFY2(view.statusText().contains("keeps the weights of epoch"),
                 qPrintable(view.statusText()));
    }
    view.setGradCam(false);
    QCOMPARE(view.model()->data(view.model()->index(0), Qt::DecorationRole)
                     .value<QPixmap>()
                     .toImage()
                     .size(),
             plain.size());
}

// Selecting a mistake shows it enlarged with where the net looked for the predicted and for the
// true class and its top five classes; an epoch whose weights are gone says so instead.
void TestMistakesView::detailPaneExplainsTheSelectedMistake()
{
    RunStore store(m_tmp->path().toStdString());
    const qint64 id = trainedRun(store);
    MistakesView view;
    view.resize(1100, 700);
    view.show();
    view.showRun(store, id);
    QTRY_VERIFY_WITH_TIMEOUT(view.imagesLoaded(), 30'000);
    QVERIFY(view.shownCount() > 1);
    const RunRecord r = store.run(id);
    view.setEpoch(r.epochsDone);
    QSignalSpy inspected(view.detail(), &MistakeDetailView::inspected);
    view.selectRow(1);
    QCOMPARE(view.detail()->testIndex(), view.model()->mistake(1).index);
    QTRY_COMPARE_WITH_TIMEOUT(inspected.size(), 1, 60'000);
    const QStringList rows = view.detail()->bars()->rowTexts();
    QCOMPARE(rows.size(), 5);
    // The last checkpoint made this very mistake: its top class is the recorded prediction.
    const int predicted = view.model()->mistake(1).predicted;
    QVERIFY2(rows.first().startsWith(QString::fromStdString(r.classNames[predicted]) + " "),
             qPrintable(rows.join(", ")));
    int pictures = 0;
    for (const QLabel *label : view.detail()->findChildren<QLabel *>())
        pictures += label->pixmap().isNull() ? 0 : 1;
    QCOMPARE(pictures, 3); // the image, and its map for the predicted and for the true class

    // A filter that keeps the selected image keeps it in the pane.
    const int index = view.detail()->testIndex();
    view.setFilter(view.model()->mistake(1).trueLabel, -1);
    QCOMPARE(view.detail()->testIndex(), index);

    if (r.bestEpoch != 1 && r.epochsDone != 1) {
        view.setEpoch(1);
        view.selectRow(0);
        QVERIFY2(view.detail()->noteText().contains("keeps the weights of epoch"),
                 qPrintable(view.detail()->noteText()));
        QVERIFY(view.detail()->bars()->rowTexts().isEmpty());
    }
}

void TestMistakesView::imagesThatCannotBeShownSayWhy_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("fingerprint"); // as recorded
    QTest::addColumn<QString>("why");
    QTest::newRow("the folder is gone") << "/nonexistent/cifar10"
                                        << "abcd"
                                        << "/nonexistent/cifar10: no such file or folder";
    QTest::newRow("other images under the name")
            << "synthetic"
            << "abcd"
            << "no longer holds the images run 1 was tested on";
}

// The tab said "loading the test images…" and the pane "still loading" for ever when the run's
// data folder was gone (a run recorded with a relative path, opened from another folder).
void TestMistakesView::imagesThatCannotBeShownSayWhy()
{
    QFETCH(QString, source);
    QFETCH(QString, fingerprint);
    QFETCH(QString, why);
    RunStore store(m_tmp->path().toStdString());
    ExperimentConfig c = quickConfig(1);
    c.data.source = source.toStdString();
    const qint64 id = store.createRun({"gone", toJson(c).dump(), 1, {}, {}, {}});
    {
        RunWriter writer(store, id);
        writer.started({"image-folder",
                        source.toStdString(),
                        fingerprint.toStdString(),
                        {"a", "b"},
                        48552,
                        "cpu"});
        EpochMetrics m;
        m.epoch = 1;
        m.confusion = {3, 1, 2, 4};
        m.misclassified = {{0, 0, 1, 0.7f}, {1, 1, 0, 0.6f}, {2, 1, 0, 0.55f}};
        writer.addEpoch(m);
        writer.finish(RunState::Finished);
    }
    MistakesView view;
    view.showRun(store, id);
    QTRY_VERIFY_WITH_TIMEOUT(view.statusText().contains(why), 30'000);
    QVERIFY2(view.statusText().startsWith("3 of 3 misclassified"), qPrintable(view.statusText()));
    QVERIFY(!view.imagesLoaded());
    view.selectRow(0);
    QVERIFY2(view.detail()->noteText().contains("cannot be shown: ") &&
                     view.detail()->noteText().contains(why),
             qPrintable(view.detail()->noteText()));
}

QTEST_MAIN(TestMistakesView)
#include "test_mistakes_view.moc"
