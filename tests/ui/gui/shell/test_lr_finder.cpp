// Run -> Find Learning Rate: the range test runs off the GUI thread, draws its curve as it goes,
// records itself in the store, and its suggestion becomes the form's OneCycle schedule.

#include "config_panel.h"
#include "lr_finder_dialog.h"
#include "lr_range_controller.h"
#include "lr_range_plot.h"
#include "main_window.h"
#include "run_store.h"
#include "test_support.h"

#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using namespace normlab;
using namespace normlab::gui;

class TestLrFinder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        QStandardPaths::setTestModeEnabled(true);
        m_tmp = std::make_unique<QTemporaryDir>();
    }

    void testsRecordsAndSetsOneCycle()
    {
        MainWindow window(m_tmp->path());
        ExperimentConfig c = test::quickConfig(2);
        c.model.norm = NormKind::Group;
        window.configPanel()->setConfig(c);
        LrFinderDialog *dialog = window.findLearningRate();
        QVERIFY(dialog->isVisible());
        auto *batches = dialog->findChild<QSpinBox *>();
        QVERIFY(batches);
        batches->setValue(24);
        QSignalSpy points(dialog->controller(), &LrRangeController::point);
        dialog->start();
        QVERIFY(dialog->controller()->isRunning());
        QTRY_VERIFY_WITH_TIMEOUT(dialog->statusText().contains("Recorded as test 1"), 120'000);
        QVERIFY(!points.isEmpty() && points.size() <= 24);
        dialog->plot()->flush();
        QCOMPARE(dialog->plot()->pointCount(), int(points.size()));

        RunStore store(m_tmp->path().toStdString());
        const std::vector<LrTestRecord> tests = store.lrTests(0);
        QCOMPARE(tests.size(), std::size_t(1));
        QCOMPARE(int(tests[0].points.size()), int(points.size()));
        QVERIFY(store.runs().empty()); // a test is no run

        if (!dialog->suggestion())
            QSKIP("no suggestion on this synthetic curve");
        QPushButton *use = nullptr;
        for (QPushButton *b : dialog->findChildren<QPushButton *>())
            if (b->text().contains("for OneCycle"))
                use = b;
        QVERIFY(use && use->isEnabled());
        use->click();
        const ExperimentConfig after = window.configPanel()->config();
        QVERIFY(after.schedule.kind == ScheduleConfig::Kind::OneCycle);
        QCOMPARE(after.schedule.maxLr, *dialog->suggestion());
        QVERIFY(after.model.norm == NormKind::Group); // the rest of the experiment kept
        QVERIFY(!dialog->isVisible());
    }

    void badRangeIsSaidInTheDialog()
    {
        MainWindow window(m_tmp->path());
        window.configPanel()->setConfig(test::quickConfig(1));
        LrFinderDialog *dialog = window.findLearningRate();
        auto *batches = dialog->findChild<QSpinBox *>();
        batches->setValue(1); // below its range: the spin box keeps 2
        QCOMPARE(batches->value(), 2);
        const QList<QLineEdit *> edits = dialog->findChildren<QLineEdit *>();
        QVERIFY(edits.size() >= 2);
        for (QLineEdit *e : edits)
            e->setText("0.5"); // start == end
        dialog->start();
        QVERIFY(!dialog->controller()->isRunning());
        QVERIFY2(dialog->statusText().contains("'end' must be larger than 'start'"),
                 qPrintable(dialog->statusText()));
    }

private:
    std::unique_ptr<QTemporaryDir> m_tmp;
};

QTEST_MAIN(TestLrFinder)
#include "test_lr_finder.moc"
