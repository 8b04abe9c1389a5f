// Compare Normalizations plans the whole comparison in the engine before it creates a run: a
// combination the engine refuses leaves no run behind (it used to leave the BatchNorm runs queued).
// Trained for real, it is summarised per norm and per class, and grouped into seed bands.

#include "comparison_view.h"
#include "config_panel.h"
#include "main_window.h"
#include "metrics_chart.h"
#include "presets.h"
#include "qcustomplot_include.h"
#include "run_store.h"
#include "runs_panel.h"
#include "test_support.h"
#include "training_controller.h"

#include <QMessageBox>
#include <QSettings>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace normlab;
using namespace normlab::gui;
using test::quickConfig;

namespace {

constexpr int kRunTimeoutMs = 120'000;

} // namespace

class TestCompareNormalizations : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_tmp = std::make_unique<QTemporaryDir>();
        QCoreApplication::setOrganizationName("NormLabTest");
        QSettings().clear();
    }

    void aRefusedCombinationLeavesNoRun()
    {
        QTemporaryDir dir;
        MainWindow window(dir.path());
        ExperimentConfig config = test::quickConfig(1);
        config.model.groups = 5; // valid for BatchNorm, not for GroupNorm over 24 channels
        window.configPanel()->setConfig(config);
        QVERIFY(window.configPanel()->valid());
        QCOMPARE(window.compareNormalizations(2), QList<qint64> {});
        RunStore store(dir.path().toStdString());
        QCOMPARE(store.runs().size(), std::size_t(0));
        // The engine's message is shown, naming the combination.
        QMessageBox *box = nullptr;
        QTRY_VERIFY((box = window.findChild<QMessageBox *>()) != nullptr);
        QVERIFY2(box->text().contains("sweep model.norm=group"), qPrintable(box->text()));
        QVERIFY2(box->text().contains("model.groups"), qPrintable(box->text()));
    }

    void theThreeNormsAreQueuedAsOneSweep()
    {
        QTemporaryDir dir;
        MainWindow window(dir.path());
        window.configPanel()->setConfig(test::quickConfig(1));
        const QList<qint64> ids = window.compareNormalizations(1);
        QCOMPARE(ids.size(), 3);
        window.close(); // stops the first run
        RunStore store(dir.path().toStdString());
        const std::string sweep = store.run(ids[0]).sweep;
        QVERIFY(QString::fromStdString(sweep).startsWith("sweep-"));
        for (const qint64 id : ids)
            QCOMPARE(store.run(id).sweep, sweep);
        QCOMPARE(QString::fromStdString(store.run(ids[2]).name), QString("s8 LayerNorm, seed 1"));
    }

    void compareNormalizationsQueuesAndSummarises();

private:
    std::unique_ptr<QTemporaryDir> m_tmp;
};

void TestCompareNormalizations::compareNormalizationsQueuesAndSummarises()
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

QTEST_MAIN(TestCompareNormalizations)
#include "test_compare_normalizations.moc"
