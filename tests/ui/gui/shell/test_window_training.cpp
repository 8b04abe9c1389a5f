// A real short training run in the window, through the controller: it drives the charts, the
// overlays and the gallery, a stop lands within one batch, closing while training asks and records
// the run stopped, a stopped run resumes, the event loop never stalls, and a run looks the same
// live and reloaded.

#include "config_panel.h"
#include "confusion_matrix_view.h"
#include "inside_view.h"
#include "layer_heat_map.h"
#include "main_window.h"
#include "metrics_chart.h"
#include "mistakes_model.h"
#include "mistakes_view.h"
#include "qcustomplot_include.h"
#include "run_commands.h"
#include "run_palette.h"
#include "run_store.h"
#include "runs_panel.h"
#include "test_support.h"
#include "training_controller.h"

#include <QElapsedTimer>
#include <QMessageBox>
#include <QPixmap>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <ctime>
#include <memory>

using namespace normlab;
using namespace normlab::gui;
using test::quickConfig;

namespace {

constexpr int kRunTimeoutMs = 120'000;

// CPU time of the calling thread.
double threadCpuMs()
{
    timespec t {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

// The Inside tab's heat map, once it is on screen and drawn.
void insideTable(MainWindow &window, LayerStatTable &table)
{
    window.findChild<QTabWidget *>()->setCurrentWidget(window.insideView());
    QTRY_VERIFY(!window.insideView()->heatMap()->table().empty());
    table = window.insideView()->heatMap()->table();
}

// The CSV of both charts without the run names (a live run and a reloaded one are named alike).
QStringList chartRows(MainWindow &window)
{
    QStringList rows;
    for (MetricsChart *chart : {window.lossChart(), window.accuracyChart()}) {
        chart->flush();
        rows << chart->toCsv().split('\n');
    }
    return rows;
}

} // namespace

class TestWindowTraining : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void trainingDrivesTheChartsAndOverlays();
    void galleryFiltersAndConfusionClick();
    void stopLandsWithinOneBatch();
    void closingWhileTrainingAsksAndRecordsStopped();
    void stoppedRunResumesAndRunsCanBeTaggedAndDeleted();
    void eventLoopNeverStallsWhileTraining();
    void runLooksTheSameLiveAndReloaded();

private:
    std::unique_ptr<QTemporaryDir> m_tmp;
};

void TestWindowTraining::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QCoreApplication::setOrganizationName("NormLabTest");
    QSettings().clear();
}

void TestWindowTraining::trainingDrivesTheChartsAndOverlays()
{
    MainWindow window(m_tmp->path());
    window.configPanel()->setConfig(quickConfig(2));
    QSignalSpy finished(window.controller(), &TrainingController::runFinished);
    QSignalSpy batches(window.controller(), &TrainingController::batchDone);

    const qint64 first = window.queueExperiment();
    QVERIFY(first > 0);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kRunTimeoutMs);
    QCOMPARE(finished[0][1].toInt(), static_cast<int>(RunState::Finished));
    QVERIFY(batches.size() >= 2);
    window.lossChart()->flush();
    QVERIFY(window.lossChart()->trainPointCount(first) >= 2);
    QCOMPARE(window.lossChart()->testPointCount(first), 2);
    QCOMPARE(window.accuracyChart()->testPointCount(first), 2);
    QCOMPARE(window.lossChart()->plot()->legend->itemCount(), 1); // one entry per run

    // A second run overlays the first: one colour each, both in the legend.
    ExperimentConfig gn = quickConfig(1);
    gn.model.norm = NormKind::Group;
    window.configPanel()->setConfig(gn);
    const qint64 second = window.queueExperiment();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, kRunTimeoutMs);
    window.lossChart()->flush();
    QCOMPARE(window.lossChart()->runs().size(), 2);
    QCOMPARE(window.lossChart()->plot()->legend->itemCount(), 2);
    QVERIFY(runColor(first) != runColor(second));
    QCOMPARE(window.runsPanel()->rowCount(), 2);

    // Unchecking takes a run off the charts; checking loads it back from the store.
    window.runsPanel()->setChecked(first, false);
    QCOMPARE(window.lossChart()->runs(), QList<qint64> {second});
    window.runsPanel()->setChecked(first, true);
    QCOMPARE(window.lossChart()->testPointCount(first), 2);
    QVERIFY(window.lossChart()->trainPointCount(first) >= 2);

    RunStore store(m_tmp->path().toStdString());
    QCOMPARE(store.run(first).epochsDone, 2);
    QVERIFY(store.run(second).state == RunState::Finished);
}

void TestWindowTraining::galleryFiltersAndConfusionClick()
{
    MainWindow window(m_tmp->path());
    window.configPanel()->setConfig(quickConfig(1));
    QSignalSpy finished(window.controller(), &TrainingController::runFinished);
    const qint64 id = window.queueExperiment();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kRunTimeoutMs);

    RunStore store(m_tmp->path().toStdString());
    const auto mistakes = store.misclassified(id, 1);
    QVERIFY(!mistakes.empty());
    MistakesView *view = window.mistakesView();
    window.resize(1500, 950);
    window.show();
    window.findChild<QTabWidget *>()->setCurrentWidget(view);
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    view->showRun(store, id);
    QCOMPARE(view->epoch(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(view->imagesLoaded(), 30'000);
    QCOMPARE(view->shownCount(), static_cast<int>(mistakes.size()));
    const auto text = [view](int row) {
        return view->model()->data(view->model()->index(row), Qt::DisplayRole).toString();
    };
    QVERIFY(!view->model()
                     ->data(view->model()->index(0), Qt::DecorationRole)
                     .value<QPixmap>()
                     .isNull());
    // Most confident first.
    QVERIFY(text(0).contains(QString::number(
            100.0 * std::max_element(mistakes.begin(), mistakes.end(),
                                     [](auto &a, auto &b) { return a.confidence < b.confidence; })
                            ->confidence,
            'f', 1)));

    // The most populated off-diagonal cell, clicked, shows exactly its images.
    const std::vector<int> confusion = store.confusion(id, 1);
    const int classes = store.run(id).classNames.size();
    int bestT = -1, bestP = -1, bestCount = 0;
    for (int t = 0; t < classes; ++t)
        for (int p = 0; p < classes; ++p)
            if (t != p && confusion[t * classes + p] > bestCount) {
                bestCount = confusion[t * classes + p];
                bestT = t;
                bestP = p;
            }
    QVERIFY(bestCount > 0);
    ConfusionMatrixView *matrix = view->confusionMatrix();
    QTest::mouseClick(matrix, Qt::LeftButton, {}, matrix->cellRect(bestT, bestP).center());
    QCOMPARE(view->shownCount(), bestCount);
    const QString names = QString::fromStdString(store.run(id).classNames[bestT]) + "\n→ " +
                          QString::fromStdString(store.run(id).classNames[bestP]);
    for (int i = 0; i < view->shownCount(); ++i)
        QVERIFY2(text(i).startsWith(names), qPrintable(text(i)));

    // Filtering by true class only.
    view->setFilter(bestT, -1);
    int expected = 0;
    for (const Misclassified &m : mistakes)
        expected += m.trueLabel == bestT;
    QCOMPARE(view->shownCount(), expected);
    // Showing the run again, as each new epoch of a training run does, keeps the filter.
    view->showRun(store, id);
    QCOMPARE(view->shownCount(), expected);
    view->setFilter(-1, -1);
    QCOMPARE(view->shownCount(), static_cast<int>(mistakes.size()));
}

// The question is asked without a nested event loop: close() returns at once, training goes on
// while the box is open, and Yes stops the run (recorded as stopped) and closes the window.
void TestWindowTraining::closingWhileTrainingAsksAndRecordsStopped()
{
    MainWindow window(m_tmp->path());
    window.configPanel()->setConfig(quickConfig(50));
    QSignalSpy finished(window.controller(), &TrainingController::runFinished);
    QSignalSpy batches(window.controller(), &TrainingController::batchDone);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const qint64 id = window.queueExperiment();
    QTRY_VERIFY_WITH_TIMEOUT(batches.size() >= 1, kRunTimeoutMs);

    QVERIFY(!window.close()); // asks first
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = window.findChild<QMessageBox *>()) != nullptr && box->isVisible());
    const qsizetype batchesAsked = batches.size();
    QTRY_VERIFY(batches.size() > batchesAsked); // still training while the question is open
    QVERIFY(window.isVisible());

    box->button(QMessageBox::Yes)->click();
    QTRY_VERIFY(!window.isVisible());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10'000);
    QCOMPARE(finished[0][1].toInt(), static_cast<int>(RunState::Stopped));
    RunStore store(m_tmp->path().toStdString());
    QVERIFY(store.run(id).state == RunState::Stopped);
}

void TestWindowTraining::stopLandsWithinOneBatch()
{
    MainWindow window(m_tmp->path());
    window.controller()->setBatchIntervalMs(0); // every batch reported
    window.configPanel()->setConfig(quickConfig(50));
    QSignalSpy finished(window.controller(), &TrainingController::runFinished);
    QSignalSpy batches(window.controller(), &TrainingController::batchDone);
    const qint64 id = window.queueExperiment();
    QTRY_VERIFY_WITH_TIMEOUT(batches.size() >= 3, kRunTimeoutMs);
    window.controller()->stop();
    const qsizetype batchesAtStop = batches.size();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10'000);
    QCOMPARE(finished[0][1].toInt(), static_cast<int>(RunState::Stopped));
    // After the stop the GUI may still receive the batch whose signal was queued when it asked and
    // the batch in flight, which finishes; no other batch starts.
    QVERIFY2(batches.size() - batchesAtStop <= 2,
             qPrintable(QString::number(batches.size() - batchesAtStop)));
    RunStore store(m_tmp->path().toStdString());
    QVERIFY(store.run(id).state == RunState::Stopped);
}

void TestWindowTraining::stoppedRunResumesAndRunsCanBeTaggedAndDeleted()
{
    MainWindow window(m_tmp->path());
    window.configPanel()->setConfig(quickConfig(3));
    QSignalSpy finished(window.controller(), &TrainingController::runFinished);
    QSignalSpy epochs(window.controller(), &TrainingController::epochDone);
    const qint64 id = window.queueExperiment();
    QTRY_VERIFY_WITH_TIMEOUT(epochs.size() >= 1, kRunTimeoutMs);
    window.controller()->stop();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10'000);
    QCOMPARE(finished[0][1].toInt(), static_cast<int>(RunState::Stopped));

    window.runCommands()->resumeRun(id);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, kRunTimeoutMs);
    QCOMPARE(finished[1][1].toInt(), static_cast<int>(RunState::Finished));
    RunStore store(m_tmp->path().toStdString());
    QCOMPARE(store.run(id).epochsDone, 3);

    QVERIFY(window.runCommands()->addTag(id, "baseline"));
    QVERIFY(window.runCommands()->setNote(id, "stopped once, resumed"));
    QCOMPARE(store.run(id).tags, std::vector<std::string> {"baseline"});
    QCOMPARE(store.run(id).note, std::string("stopped once, resumed"));
    QVERIFY(window.runCommands()->deleteRun(id));
    QVERIFY(store.runs().empty());
    QVERIFY(!window.lossChart()->hasRun(id));
}

void TestWindowTraining::eventLoopNeverStallsWhileTraining()
{
    MainWindow window(m_tmp->path());
    window.show();
    window.configPanel()->setConfig(quickConfig(3));
    QSignalSpy finished(window.controller(), &TrainingController::runFinished);
    QSignalSpy epochs(window.controller(), &TrainingController::epochDone);

    // A probe timer: between two of its ticks the event loop ran nothing else. What the GUI
    // thread computed in that time (its CPU time, not the wall clock) is how long our own work
    // blocked it: on a loaded machine the thread also waits for a core, which no code here can
    // change (a wall-clock gap of 78 ms failed this test while another training used both cores).
    QElapsedTimer clock;
    qint64 last = 0, worstGap = 0;
    double lastCpu = 0, worstBusy = 0;
    QTimer probe;
    probe.setInterval(5);
    QObject::connect(&probe, &QTimer::timeout, [&] {
        const qint64 now = clock.elapsed();
        const double cpu = threadCpuMs();
        worstGap = std::max(worstGap, now - last);
        worstBusy = std::max(worstBusy, cpu - lastCpu);
        if (cpu - lastCpu > 30)
            qInfo("busy %.1f ms (gap %lld ms) ending at %lld ms", cpu - lastCpu,
                  static_cast<long long>(now - last), static_cast<long long>(now));
        last = now;
        lastCpu = cpu;
    });
    window.queueExperiment();
    QTRY_VERIFY_WITH_TIMEOUT(epochs.size() >= 1, kRunTimeoutMs); // data loaded, charts live
    clock.start();
    lastCpu = threadCpuMs();
    probe.start();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kRunTimeoutMs);
    probe.stop();
    qInfo("longest event-loop gap while training: %lld ms, of which the GUI thread was busy "
          "%.1f ms at most",
          static_cast<long long>(worstGap), worstBusy);
    QVERIFY2(worstBusy < 50,
             qPrintable(QString("the event loop was blocked by %1 ms of work").arg(worstBusy)));
    // Waiting is not CPU time: a GUI thread waiting for a lock the worker holds shows here, far
    // above any wait for a core.
    QVERIFY2(worstGap < 500,
             qPrintable(QString("the event loop stood still for %1 ms").arg(worstGap)));
}

// Live, train accuracy was per batch from 0; reloaded, one point per epoch from epoch 1, and the
// two charts had different x ranges.
void TestWindowTraining::runLooksTheSameLiveAndReloaded()
{
    QStringList live;
    QCPRange liveRange;
    LayerStatTable liveInside;
    qint64 id = 0;
    {
        MainWindow window(m_tmp->path());
        window.resize(1400, 900);
        window.show();
        window.configPanel()->setConfig(quickConfig(2));
        QSignalSpy finished(window.controller(), &TrainingController::runFinished);
        id = window.queueExperiment();
        QVERIFY(id > 0);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 120'000);
        live = chartRows(window);
        liveRange = window.lossChart()->plot()->xAxis->range();
        QCOMPARE(window.accuracyChart()->plot()->xAxis->range(), liveRange);
        QCOMPARE(window.accuracyChart()->trainPointCount(id), 2); // one per epoch
        insideTable(window, liveInside); // from the worker's signals
        QCOMPARE(liveInside.epochs, (std::vector<int> {1, 2}));
    }
    MainWindow window(m_tmp->path());
    window.resize(1400, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.runsPanel()->setChecked(id, true);
    const QStringList reloaded = chartRows(window);
    QCOMPARE(reloaded.size(), live.size());
    for (qsizetype i = 0; i < live.size(); ++i)
        QCOMPARE(reloaded[i], live[i]);
    QCOMPARE(window.lossChart()->plot()->xAxis->range(), liveRange);
    QCOMPARE(window.accuracyChart()->plot()->xAxis->range(), liveRange);
    QVERIFY(liveRange.lower <= 0 && liveRange.upper >= 2);
    // Inside: the store's statistics are the ones the window drew live.
    LayerStatTable reloadedInside;
    insideTable(window, reloadedInside);
    QCOMPARE(reloadedInside.layers, liveInside.layers);
    QCOMPARE(reloadedInside.epochs, liveInside.epochs);
    QCOMPARE(reloadedInside.values, liveInside.values);
}

QTEST_MAIN(TestWindowTraining)
#include "test_window_training.moc"
