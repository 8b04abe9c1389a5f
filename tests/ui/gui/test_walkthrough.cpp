// What a first walkthrough of the desktop app found wrong (issue 12), each as a test that failed
// before its fix: the wheel changing form fields, the chart tooltip naming the neighbouring point,
// a run drawn differently live and reloaded, repeats grouped as seeds, the table's selection
// sticking to a row instead of a run.
#include "config_json.h"
#include "comparison_view.h"
#include "config_panel.h"
#include "curves_view.h"
#include "confusion_matrix_view.h"
#include "main_window.h"
#include "mistakes_view.h"
#include "metrics_chart.h"
#include "presets.h"
#include "qcustomplot_include.h"
#include "run_store.h"
#include "run_writer.h"
#include "runs_panel.h"
#include "runs_table_model.h"
#include "seed_groups.h"
#include "test_support.h"
#include "training_controller.h"
#include "wheel_guard.h"

#include <QAbstractSlider>
#include <QAbstractSpinBox>
#include <QApplication>
#include <QComboBox>
#include <QLineEdit>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QToolTip>
#include <QVBoxLayout>
#include <QWheelEvent>

#include <nlohmann/json.hpp>

#include <memory>

using namespace normlab;
using namespace normlab::gui;
using test::quickConfig;

namespace {

// A finished run with `epochs` recorded epochs whose test loss is `loss[i]`.
qint64 recordRun(RunStore &store, std::uint64_t seed, const QVector<double> &loss,
                 const ExperimentConfig &config = quickConfig(3))
{
    ExperimentConfig c = config;
    c.seed = seed;
    const qint64 id = store.createRun({"s8 BatchNorm", toJson(c).dump(), seed, {}, {}, {}});
    RunWriter writer(store, id);
    writer.started({"synthetic", "", "", {}, 48552, "cpu"});
    for (int e = 1; e <= loss.size(); ++e) {
        EpochMetrics m;
        m.epoch = e;
        m.trainLoss = loss[e - 1] + 0.1;
        m.trainAccuracy = 50 + e;
        m.testLoss = loss[e - 1];
        m.testAccuracy = 40 + 10 * e;
        m.wallTime = 1.7e9 + 60 * e;
        writer.addEpoch(m);
    }
    writer.finish(RunState::Finished);
    return id;
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

// One notch of the wheel, turned over `widget`'s centre.
bool turnWheel(QWidget *widget, int notches = -1)
{
    const QPointF centre = QRectF(widget->rect()).center();
    QWheelEvent event(centre, widget->mapToGlobal(centre), QPoint(), QPoint(0, 120 * notches),
                      Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(widget, &event);
    return event.isAccepted();
}

QString valueOf(QWidget *field)
{
    if (auto *combo = qobject_cast<QComboBox *>(field))
        return QString::number(combo->currentIndex());
    if (auto *spin = qobject_cast<QAbstractSpinBox *>(field))
        return spin->text();
    if (auto *slider = qobject_cast<QAbstractSlider *>(field))
        return QString::number(slider->value());
    return {};
}

} // namespace

class TestWalkthrough : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void wheelLeavesUnfocusedFieldsAlone();
    void wheelScrollsTheFormInstead();
    void hoverReportsThePointUnderTheMouse_data();
    void hoverReportsThePointUnderTheMouse();
    void runLooksTheSameLiveAndReloaded();
    void repeatsAreNotSeeds();
    void selectionFollowsTheRun();
    void notesAreShownAndSearched();
    void restartShowsTheRunsTickedBefore();
    void confusionCellsSayWhatTheyShow();
    void perClassComparesOnlyTheSameClasses();

private:
    std::unique_ptr<QTemporaryDir> m_tmp;
};

void TestWalkthrough::initTestCase()
{
    WheelGuard::install(*qApp);
}

void TestWalkthrough::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QCoreApplication::setOrganizationName("NormLabTest");
    QSettings().clear();
}

void TestWalkthrough::wheelLeavesUnfocusedFieldsAlone()
{
    MainWindow window(m_tmp->path());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QList<QWidget *> fields;
    for (QWidget *w : window.findChildren<QWidget *>())
        if ((qobject_cast<QComboBox *>(w) || qobject_cast<QAbstractSpinBox *>(w) ||
             (qobject_cast<QAbstractSlider *>(w) && !qobject_cast<QScrollBar *>(w))) &&
            w->isEnabled())
            fields << w;
    QVERIFY2(fields.size() >= 10, qPrintable(QString::number(fields.size())));
    window.setFocus();
    for (QWidget *field : fields) {
        const QString name = field->objectName().isEmpty() ? field->metaObject()->className()
                                                           : field->objectName();
        QVERIFY2(field->focusPolicy() != Qt::WheelFocus, qPrintable(name));
        if (field->hasFocus())
            continue;
        const QString before = valueOf(field);
        for (const int notches : {-1, 1, -1})
            QVERIFY2(!turnWheel(field, notches), qPrintable(name + ": the wheel was taken"));
        QCOMPARE(valueOf(field), before);
    }
}

void TestWalkthrough::wheelScrollsTheFormInstead()
{
    QScrollArea area;
    auto *form = new QWidget;
    auto *layout = new QVBoxLayout(form);
    auto *combo = new QComboBox;
    combo->addItems({"sgd", "adam", "adamw"});
    layout->addWidget(combo);
    layout->addSpacing(2000);
    area.setWidget(form);
    area.resize(300, 200);
    area.show();
    QVERIFY(QTest::qWaitForWindowExposed(&area));
    QCOMPARE(combo->focusPolicy(), Qt::StrongFocus);
    combo->clearFocus();
    // Unfocused: the wheel is handed on (not accepted) and the choice stays.
    QVERIFY(!turnWheel(combo));
    QCOMPARE(combo->currentIndex(), 0);
    // Focused (clicked or tabbed into): the wheel is the field's, as everywhere in Qt.
    area.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&area));
    combo->setFocus();
    QTRY_VERIFY(combo->hasFocus());
    QVERIFY(turnWheel(combo));
    QCOMPARE(combo->currentIndex(), 1);
}

// Hovering run 5's epoch-3 test point said "epoch 2.00: 1.8032"; the store said 1.5526.
void TestWalkthrough::hoverReportsThePointUnderTheMouse_data()
{
    QTest::addColumn<int>("epoch");
    QTest::addColumn<int>("axis");
    const QVector<QPair<const char *, MetricsChart::XAxis>> axes {
            {"epoch", MetricsChart::XAxis::Epoch},
            {"step", MetricsChart::XAxis::Step},
            {"time", MetricsChart::XAxis::Time}};
    for (const auto &[name, axis] : axes)
        for (int e = 1; e <= 3; ++e)
            QTest::addRow("%s axis, epoch %d", name, e) << e << static_cast<int>(axis);
}

void TestWalkthrough::hoverReportsThePointUnderTheMouse()
{
    QFETCH(int, epoch);
    QFETCH(int, axis);
    const QVector<double> test {2.1094, 1.8032, 1.5526};
    MetricsChart chart(MetricsChart::Metric::Loss);
    chart.resize(800, 500);
    chart.setRun(5, "5 s8 BatchNorm", Qt::red);
    constexpr int kBatches = 50;
    for (int e = 1; e <= 3; ++e) {
        for (int b = 1; b <= kBatches; ++b) {
            const double step = (e - 1) * kBatches + b;
            chart.addTrainPoint(5, {e - 1 + b / double(kBatches), step, 1e9 + step},
                                2.3 - 0.01 * step);
        }
        chart.addTestPoint(5, {double(e), double(e * kBatches), 1e9 + e * kBatches}, test[e - 1]);
    }
    chart.setXAxis(static_cast<MetricsChart::XAxis>(axis));
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    chart.flush();
    chart.plot()->replot(QCustomPlot::rpImmediateRefresh);
    const double x = axis == 0 ? epoch : axis == 1 ? epoch * kBatches : epoch * kBatches - 1;
    const QPointF pixel(chart.plot()->xAxis->coordToPixel(x),
                        chart.plot()->yAxis->coordToPixel(test[epoch - 1]));
    QVERIFY(chart.plot()->axisRect()->rect().contains(pixel.toPoint())); // the range was fitted
    // A few pixels off, on the side of the previous epoch: where the old lookup went wrong.
    for (const QPointF offset : {QPointF(0, 0), QPointF(-3, 2), QPointF(3, -2)}) {
        const auto point = chart.pointAt(pixel + offset);
        QVERIFY(point);
        QCOMPARE(point->series, QString("test"));
        QCOMPARE(point->at.epoch, double(epoch));
        QCOMPARE(point->value, test[epoch - 1]);
        QVERIFY2(point->text.contains(
                         QString("epoch %1: %2").arg(epoch).arg(test[epoch - 1], 0, 'f', 4)),
                 qPrintable(point->text));
    }
    // And through the mouse, as a person hovers (from elsewhere: a move to where the cursor
    // already is sends nothing).
    QTest::mouseMove(chart.plot(), QPoint(1, 1));
    QTest::mouseMove(chart.plot(), pixel.toPoint());
    QTRY_VERIFY(QToolTip::isVisible());
    QVERIFY2(QToolTip::text().contains(QString::number(test[epoch - 1], 'f', 4)),
             qPrintable(QToolTip::text()));
    // Far from every point: no tooltip.
    QVERIFY(!chart.pointAt(QPointF(chart.plot()->xAxis->coordToPixel(x), 5)));
}

// Live, train accuracy was per batch from 0; reloaded, one point per epoch from epoch 1, and the
// two charts had different x ranges.
void TestWalkthrough::runLooksTheSameLiveAndReloaded()
{
    QStringList live;
    QCPRange liveRange;
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
}

// Compare Normalizations re-trained an existing run: "(2 seeds)" had one seed, lost its train
// curve, and neither a band nor a word why.
void TestWalkthrough::repeatsAreNotSeeds()
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

// Each new run inserted at the top moved the highlight from run 1 to 2 to 3.
void TestWalkthrough::selectionFollowsTheRun()
{
    RunStore store(m_tmp->path().toStdString());
    const qint64 first = recordRun(store, 1, {2.0});
    RunsPanel panel;
    panel.refresh(store);
    QSignalSpy selected(&panel, &RunsPanel::runSelected);
    panel.selectRun(first);
    QCOMPARE(panel.selectedRun(), first);
    selected.clear();
    for (int i = 0; i < 3; ++i) {
        recordRun(store, 2 + i, {2.0});
        panel.refresh(store);
        QCOMPARE(panel.selectedRun(), first);
    }
    QCOMPARE(selected.size(), 0); // the detail views keep showing the run they showed
}

void TestWalkthrough::notesAreShownAndSearched()
{
    RunStore store(m_tmp->path().toStdString());
    const qint64 id = recordRun(store, 1, {2.0});
    recordRun(store, 2, {2.0});
    store.setNote(id, "baseline for the report\nlr 0.01, as the reference");
    RunsPanel panel;
    panel.refresh(store);
    const QAbstractItemModel *table = panel.view()->model();
    int noteColumn = -1;
    for (int c = 0; c < table->columnCount(); ++c)
        if (table->headerData(c, Qt::Horizontal).toString() == "Note")
            noteColumn = c;
    QVERIFY(noteColumn >= 0);
    const int row = 1; // newest first
    QCOMPARE(table->index(row, noteColumn).data().toString(), QString("baseline for the report"));
    QVERIFY(table->index(row, noteColumn)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains("as the reference"));
    panel.findChild<QLineEdit *>()->setText("as the reference"); // the note's second line
    QCOMPARE(table->rowCount(), 1);
    QCOMPARE(table->index(0, 0).data(RunsTableModel::RunIdRole).toLongLong(), id);
}

// After a restart no run was ticked and the Curves tab was empty with no hint.
void TestWalkthrough::restartShowsTheRunsTickedBefore()
{
    qint64 older = 0, newer = 0;
    {
        RunStore store(m_tmp->path().toStdString());
        older = recordRun(store, 1, {2.0, 1.5});
        newer = recordRun(store, 2, {2.0, 1.4});
    }
    {
        // First start on this store: the newest run is drawn.
        MainWindow window(m_tmp->path());
        QCOMPARE(window.runsPanel()->checkedRuns(), QList<qint64> {newer});
        QCOMPARE(window.lossChart()->runs(), QList<qint64> {newer});
        window.runsPanel()->setChecked(newer, false);
        window.runsPanel()->setChecked(older, true);
        window.show();
        QVERIFY(window.close());
    }
    MainWindow window(m_tmp->path());
    QCOMPARE(window.runsPanel()->checkedRuns(), QList<qint64> {older});
    QCOMPARE(window.runsPanel()->selectedRun(), older);
    // The Mistakes tab shows it, not "select a run" (it loads when it comes on screen).
    window.show();
    auto *tabs = window.findChild<QTabWidget *>();
    QVERIFY(tabs);
    tabs->setCurrentIndex(tabs->indexOf(window.mistakesView()));
    QTRY_COMPARE(window.mistakesView()->run(), older);
    window.lossChart()->flush();
    QCOMPARE(window.lossChart()->testPointCount(older), 2);
}

// A diagonal cell gave "0 of 667 misclassified" and no word why; the chosen cell was not marked;
// the filters carried over to another run.
void TestWalkthrough::confusionCellsSayWhatTheyShow()
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
        const QVector<QPair<int, int>> wrong {{0, 1}, {0, 1}, {0, 2}, {1, 2}, {1, 2}, {1, 2}, {2, 0}};
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
        explained = explained || (label->text().contains("diagonal counts correct predictions (7 b"));
    QVERIFY(explained);
    // Another run starts unfiltered.
    const qint64 other = recordRun(store, 2, {2.0});
    view.showRun(store, other);
    QCOMPARE(view.confusionMatrix()->selectedCell(), qMakePair(-1, -1));
    view.showRun(store, id);
    QCOMPARE(view.shownCount(), 7);
}

// Run 2 (synthetic "grating" classes) was shown per class beside run 1 (CIFAR-10) under
// CIFAR-10's class names.
void TestWalkthrough::perClassComparesOnlyTheSameClasses()
{
    RunStore store(m_tmp->path().toStdString());
    auto record = [&](const std::vector<std::string> &classes) {
        const qint64 id = store.createRun({"run", toJson(quickConfig(1)).dump(), 1, {}, {}, {}});
        RunWriter writer(store, id);
        writer.started({"synthetic", "", "", classes, 48552, "cpu"});
        EpochMetrics m;
        m.epoch = 1;
        m.confusion = {3, 1, /**/ 0, 4};
        writer.addEpoch(m);
        writer.finish(RunState::Finished);
        return id;
    };
    const qint64 cifar = record({"airplane", "automobile"});
    const qint64 synthetic = record({"grating000", "grating090"});
    const qint64 cifarAgain = record({"airplane", "automobile"});
    ComparisonView view;
    view.setCheckedRuns({cifar, synthetic, cifarAgain});
    view.refresh(store);
    QTableWidget *table = view.classTable();
    QCOMPARE(table->columnCount(), 2);
    QVERIFY(table->horizontalHeaderItem(0)->text().startsWith(QString::number(cifar)));
    QVERIFY(table->horizontalHeaderItem(1)->text().startsWith(QString::number(cifarAgain)));
    QCOMPARE(table->verticalHeaderItem(0)->text(), QString("airplane"));
    QVERIFY2(view.classHint().contains(QString("run %1 (grating000").arg(synthetic)),
             qPrintable(view.classHint()));
}

QTEST_MAIN(TestWalkthrough)
#include "test_walkthrough.moc"
