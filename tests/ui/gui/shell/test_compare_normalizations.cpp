// Compare Normalizations plans the whole comparison in the engine before it creates a run: a
// combination the engine refuses leaves no run behind (it used to leave the BatchNorm runs queued).

#include "config_panel.h"
#include "main_window.h"
#include "presets.h"
#include "run_store.h"
#include "test_support.h"

#include <QMessageBox>
#include <QTemporaryDir>
#include <QtTest>

using namespace normlab;
using namespace normlab::gui;

class TestCompareNormalizations : public QObject
{
    Q_OBJECT

private Q_SLOTS:
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
};

QTEST_MAIN(TestCompareNormalizations)
#include "test_compare_normalizations.moc"
