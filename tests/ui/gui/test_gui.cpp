// The desktop application, offscreen: the form maps to the engine's config, a real short training
// run drives the charts through the controller, stop lands within one batch, and the event loop
// never stalls while a run trains.
#include "augment_preview.h"
#include "comparison_view.h"
#include "config_panel.h"
#include "confusion_matrix_view.h"
#include "main_window.h"
#include "metrics_chart.h"
#include "mistakes_model.h"
#include "mistakes_view.h"
#include "presets.h"
#include "qcustomplot_include.h"
#include "run_commands.h"
#include "run_store.h"
#include "run_palette.h"
#include "runs_panel.h"
#include "smoothing.h"
#include "test_support.h"
#include "training_controller.h"

#include <QApplication>
#include <QComboBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QMessageBox>
#include <QPixmap>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSvgRenderer>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace normlab;
using namespace normlab::gui;
using test::quickConfig;

namespace {

constexpr int kRunTimeoutMs = 120'000;

template<typename T> T *findChildOfType(QWidget *parent, int index = 0)
{
    const auto all = parent->findChildren<T *>();
    return index < all.size() ? all[index] : nullptr;
}

} // namespace

class TestGui : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void smoothingIsTensorBoardsDebiasedEma();
    void trainingDrivesTheChartsAndOverlays();
    void compareNormalizationsQueuesAndSummarises();
    void chartExportWritesValidFiles();
    void augmentationPreviewShowsAugmentedImages();
    void galleryFiltersAndConfusionClick();
    void stopLandsWithinOneBatch();
    void closingWhileTrainingAsksAndRecordsStopped();
    void stoppedRunResumesAndRunsCanBeTaggedAndDeleted();
    void eventLoopNeverStallsWhileTraining();
    void followsTheDarkPalette();

private:
    std::unique_ptr<QTemporaryDir> m_tmp;
};

void TestGui::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QCoreApplication::setOrganizationName("NormLabTest");
    QSettings().clear();
}

void TestGui::smoothingIsTensorBoardsDebiasedEma()
{
    const QVector<double> raw {1, 2, 3, 4};
    QCOMPARE(debiasedEma(raw, 0), raw);
    const QVector<double> smooth = debiasedEma(raw, 0.5);
    QCOMPARE(smooth[0], 1.0); // debiased: the first point is the data, not half of it
    QCOMPARE(smooth[1], (0.5 * 0.5 + 0.5 * 2) / 0.75);
    QVERIFY(smooth[3] < 4 && smooth[3] > 3);
}

void TestGui::trainingDrivesTheChartsAndOverlays()
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

void TestGui::compareNormalizationsQueuesAndSummarises()
{
    MainWindow window(m_tmp->path());
    ExperimentConfig config = quickConfig(1);
    config.data.trainLimit = 320;
    window.configPanel()->setConfig(config);
    QSignalSpy finished(window.controller(), &TrainingController::runFinished);
    const QList<qint64> ids = window.compareNormalizations(2);
    QCOMPARE(ids.size(), 6);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 6, kRunTimeoutMs);
    for (const auto &f : finished)
        QCOMPARE(f[1].toInt(), static_cast<int>(RunState::Finished));

    RunStore store(m_tmp->path().toStdString());
    QCOMPARE(store.run(ids[4]).parameterCount,
             std::int64_t(48072)); // LayerNorm without affine, as the reference
    QCOMPARE(store.run(ids[1]).seed, std::uint64_t(2));
    QTableWidget *summary = window.comparisonView()->summaryTable();
    QCOMPARE(summary->rowCount(), 3);
    QCOMPARE(summary->item(0, 0)->text(), QString("batch"));
    QCOMPARE(summary->item(1, 0)->text(), QString("group(4)"));
    QCOMPARE(summary->item(2, 0)->text(), QString("layer(no affine)"));
    for (int row = 0; row < 3; ++row) {
        QCOMPARE(summary->item(row, 1)->text(), QString("2/2"));
        QVERIFY2(summary->item(row, 2)->text().contains(" ± "),
                 qPrintable(summary->item(row, 2)->text()));
    }
    const double a = store.run(ids[0]).bestTestAccuracy, b = store.run(ids[1]).bestTestAccuracy;
    QVERIFY2(summary->item(0, 2)->text().startsWith(QString::number((a + b) / 2, 'f', 2)),
             qPrintable(summary->item(0, 2)->text()));
    // Per-class accuracy: ten classes and all of them together, one column per normalization; the
    // "all classes" row is the recorded test accuracy (mean over the seeds).
    ComparisonView *comparison = window.comparisonView();
    QTableWidget *classes = comparison->classTable();
    QVERIFY(comparison->classSource() == ComparisonView::ClassSource::Group);
    QCOMPARE(classes->rowCount(), 11);
    QCOMPARE(classes->columnCount(), 3);
    const double lastMean =
            (store.run(ids[0]).lastTestAccuracy + store.run(ids[1]).lastTestAccuracy) / 2;
    QCOMPARE(classes->item(10, 0)->text().section(' ', 0, 0), QString::number(lastMean, 'f', 1));

    // ...or one column per checked run, each in its chart colour.
    comparison->setClassSource(ComparisonView::ClassSource::CheckedRuns);
    comparison->refresh(store);
    QCOMPARE(classes->columnCount(), 6);
    QVERIFY(classes->horizontalHeaderItem(0)->text().startsWith(QString::number(ids[0]) + " "));
    QVERIFY(!classes->horizontalHeaderItem(0)->icon().isNull());
    QCOMPARE(classes->item(10, 0)->text(),
             QString::number(store.run(ids[0]).lastTestAccuracy, 'f', 1) + " %");
    window.runsPanel()->setChecked(ids[0], false);
    QCOMPARE(classes->columnCount(), 5);
    window.runsPanel()->setChecked(ids[0], true);
    window.lossChart()->flush();
    QCOMPARE(window.lossChart()->runs().size(), 6);
    QCOMPARE(window.lossChart()->plot()->legend->itemCount(), 6);

    // Grouped by seed: three mean curves with bands, the six runs hidden.
    window.setGroupSeeds(true);
    window.lossChart()->flush();
    QCOMPARE(window.lossChart()->bandCount(), 3);
    QCOMPARE(window.accuracyChart()->bandCount(), 3);
    QCOMPARE(window.lossChart()->plot()->legend->itemCount(), 3);
    window.setGroupSeeds(false);
    window.lossChart()->flush();
    QCOMPARE(window.lossChart()->bandCount(), 0);
    QCOMPARE(window.lossChart()->plot()->legend->itemCount(), 6);
}

void TestGui::chartExportWritesValidFiles()
{
    MainWindow window(m_tmp->path());
    window.lossChart()->setRun(7, "bn", Qt::red);
    window.accuracyChart()->setRun(7, "bn", Qt::red);
    for (int i = 1; i <= 5; ++i) {
        window.lossChart()->addTrainPoint(7, i / 2.0, 2.0 / i);
        window.lossChart()->addTestPoint(7, i, 1.5 / i);
        window.accuracyChart()->addTestPoint(7, i, 40 + 5 * i);
    }
    const QString base = m_tmp->path() + "/chart";
    const QStringList png = window.exportCharts(base + ".png");
    QCOMPARE(png, (QStringList {base + "-loss.png", base + "-accuracy.png"}));
    QImage image(png[0]);
    QVERIFY(!image.isNull());
    QVERIFY(image.width() >= 1600); // exported at twice the size

    const QStringList svg = window.exportCharts(base + ".svg");
    QCOMPARE(svg.size(), 2);
    QSvgRenderer renderer(svg[0]);
    QVERIFY(renderer.isValid());
    const QByteArray svgText = test::readAll(svg[0]);
    QVERIFY(svgText.contains("<svg"));
    QVERIFY2(svgText.contains(">bn<"), "no legend entry in the SVG");
    QVERIFY2(svgText.contains("<polyline"), "no curves in the SVG");

    const QStringList pdf = window.exportCharts(base + ".pdf");
    QCOMPARE(pdf.size(), 2);
    QVERIFY(test::readAll(pdf[1]).startsWith("%PDF-"));

    const QString csv = window.lossChart()->toCsv();
    QVERIFY(csv.startsWith("run_id,run,series,epoch,step,unix_time,value\n"));
    QCOMPARE(csv.count('\n'), 1 + 10);
    QVERIFY2(csv.contains("7,bn,test,5,,,0.3"), qPrintable(csv));

    // By step: points with a known step only; by epoch: all.
    window.lossChart()->setRun(8, "gn", Qt::blue);
    window.lossChart()->addTestPoint(8, MetricsChart::Position {1, 100, 1.7e9}, 1.0);
    window.lossChart()->addTestPoint(8, MetricsChart::Position {2, 200, 1.7e9 + 60}, 0.8);
    window.lossChart()->setXAxis(MetricsChart::XAxis::Step);
    window.lossChart()->flush();
    QCOMPARE(window.lossChart()->plot()->xAxis->label(), QString("step (batches)"));
    QCOMPARE(window.lossChart()->plot()->xAxis->range().upper >= 200, true);
    window.lossChart()->setXAxis(MetricsChart::XAxis::Time);
    window.lossChart()->flush();
    QCOMPARE(window.lossChart()->plot()->xAxis->range().upper >= 1.0,
             true); // minutes since the first point
}

void TestGui::augmentationPreviewShowsAugmentedImages()
{
    AugmentPreview preview;
    QSignalSpy updated(&preview, &AugmentPreview::updated);
    ExperimentConfig c = quickConfig(1);
    c.augment = {};
    AugmentStep flip;
    flip.kind = AugmentStep::Kind::HorizontalFlip;
    flip.p = 1.0; // every draw flipped: each augmented tile is the mirror of the original
    c.augment.push_back(flip);
    preview.setConfig(c);
    QTRY_VERIFY_WITH_TIMEOUT(updated.size() >= 1, 30'000);
    const QImage grid = preview.grid();
    QVERIFY(!grid.isNull());
    // Row 0: the original tile and the first draw beside it, mirrored.
    const QRect original = preview.tileRect(0, 0), draw = preview.tileRect(0, 1);
    QVERIFY(grid.rect().contains(preview.tileRect(AugmentPreview::kImages - 1, preview.drawCount())));
    int mismatches = 0;
    for (int y = 0; y < original.height(); y += 7)
        for (int x = 0; x < original.width(); x += 7)
            mismatches += grid.pixel(original.left() + x, original.top() + y) !=
                    grid.pixel(draw.right() - x, draw.top() + y);
    QCOMPARE(mismatches, 0);
    const QImage before = preview.grid();
    preview.reroll();
    QVERIFY(preview.grid() != before); // other images
}

void TestGui::galleryFiltersAndConfusionClick()
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
void TestGui::closingWhileTrainingAsksAndRecordsStopped()
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

void TestGui::stopLandsWithinOneBatch()
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

void TestGui::stoppedRunResumesAndRunsCanBeTaggedAndDeleted()
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

void TestGui::eventLoopNeverStallsWhileTraining()
{
    MainWindow window(m_tmp->path());
    window.show();
    window.configPanel()->setConfig(quickConfig(3));
    QSignalSpy finished(window.controller(), &TrainingController::runFinished);
    QSignalSpy epochs(window.controller(), &TrainingController::epochDone);

    // A probe timer: the longest gap between its ticks is the longest the event loop was blocked.
    QElapsedTimer clock;
    qint64 last = 0, worst = 0;
    QTimer probe;
    probe.setInterval(5);
    QObject::connect(&probe, &QTimer::timeout, [&] {
        const qint64 now = clock.elapsed();
        worst = std::max(worst, now - last);
        if (now - last > 30)
            qInfo("gap %lld ms ending at %lld ms", static_cast<long long>(now - last),
                  static_cast<long long>(now));
        last = now;
    });
    window.queueExperiment();
    QTRY_VERIFY_WITH_TIMEOUT(epochs.size() >= 1, kRunTimeoutMs); // data loaded, charts live
    clock.start();
    probe.start();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kRunTimeoutMs);
    probe.stop();
    qInfo("longest event-loop gap while training: %lld ms", static_cast<long long>(worst));
    QVERIFY2(worst < 50, qPrintable(QString("the event loop stalled for %1 ms").arg(worst)));
}

// A dark desktop theme reaches every view, the charts included (QCustomPlot has its own pens), also
// when the theme changes while the window is open. NORMLAB_SCREENSHOT_DIR keeps a picture of it.
void TestGui::followsTheDarkPalette()
{
    const QPalette light = QApplication::palette();
    QPalette dark = light;
    dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
    dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    dark.setColor(QPalette::AlternateBase, QColor(0x33, 0x33, 0x33));
    dark.setColor(QPalette::Text, QColor(0xe8, 0xe8, 0xe8));
    dark.setColor(QPalette::WindowText, QColor(0xe8, 0xe8, 0xe8));
    dark.setColor(QPalette::ButtonText, QColor(0xe8, 0xe8, 0xe8));
    dark.setColor(QPalette::Button, QColor(0x3a, 0x3a, 0x3a));
    dark.setColor(QPalette::Mid, QColor(0x55, 0x55, 0x55));

    MainWindow window(m_tmp->path());
    window.resize(1500, 950);
    window.lossChart()->setRun(1, "bn", runColor(1));
    for (int i = 1; i <= 20; ++i)
        window.lossChart()->addTrainPoint(1, i / 10.0, 2.0 / (1 + 0.2 * i));
    window.lossChart()->flush();
    QApplication::setPalette(dark);
    QCustomPlot *plot = window.lossChart()->plot();
    QTRY_COMPARE(plot->xAxis->tickLabelColor(), dark.color(QPalette::Text));
    QCOMPARE(plot->yAxis->labelColor(), dark.color(QPalette::Text));
    QCOMPARE(plot->legend->brush().color(), dark.color(QPalette::Base));
    const QImage image = window.grab().toImage();
    const QPoint inChart = window.lossChart()->mapTo(&window, QPoint(60, 60));
    QVERIFY2(qGray(image.pixel(inChart)) < 80, "the chart background stayed light");
    if (const QByteArray dir = qgetenv("NORMLAB_SCREENSHOT_DIR"); !dir.isEmpty())
        image.save(QString::fromLocal8Bit(dir) + "/dark.png");

    QApplication::setPalette(light);
    QTRY_COMPARE(plot->xAxis->tickLabelColor(), light.color(QPalette::Text));
}

QTEST_MAIN(TestGui)
#include "test_gui.moc"
