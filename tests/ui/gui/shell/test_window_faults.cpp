// A disk that fills while a run trains in the window: its checkpoint cannot be written. The
// person gets the engine's message in a message box, the window stays up, the run is recorded
// failed with the epoch it finished, and once there is room it resumes to its end from the window.
//
// The full disk is tests/support/fault_shim.cpp, preloaded by CTest with NORMLAB_FAULT_PATH set to
// kFullDisk: every write or sync to a path containing it fails with ENOSPC.

#include "config_panel.h"
#include "main_window.h"
#include "run_commands.h"
#include "run_store.h"
#include "test_support.h"
#include "training_controller.h"

#include <QDir>
#include <QFile>
#include <QMessageBox>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace normlab;
using namespace normlab::gui;

namespace {

constexpr int kRunTimeoutMs = 120'000;
constexpr char kFullDisk[] = "normlab-full-disk";

QString visibleMessage(QWidget *window)
{
    for (const QMessageBox *box : window->findChildren<QMessageBox *>())
        if (box->isVisible())
            return box->windowTitle() + ": " + box->text();
    return {};
}

} // namespace

class TestWindowFaults : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        if (qEnvironmentVariable("NORMLAB_FAULT_PATH") != kFullDisk)
            QSKIP("needs the fault shim preloaded with NORMLAB_FAULT_PATH=normlab-full-disk (CTest "
                  "sets both)");
        QCoreApplication::setOrganizationName("NormLabTest");
        QSettings().clear();
    }

    void diskFillsWhileTraining()
    {
        // The store's database is on a good disk; its runs' folders (the checkpoints) on a full
        // one.
        QTemporaryDir tmp;
        const QString store = tmp.path() + "/store";
        const QString full = tmp.path() + "/" + kFullDisk;
        QVERIFY(QDir().mkpath(store));
        QVERIFY(QDir().mkpath(full));
        QVERIFY(QFile::link(full, store + "/runs"));

        MainWindow window(store);
        window.show();
        QSignalSpy finished(window.controller(), &TrainingController::runFinished);
        window.configPanel()->setConfig(test::quickConfig(2));
        const qint64 id = window.queueExperiment();
        QVERIFY(id > 0);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kRunTimeoutMs);
        QCOMPARE(finished[0][1].toInt(), static_cast<int>(RunState::Failed));
        const QString message = finished[0][2].toString();
        QVERIFY2(message.contains("last.pt: write failed: No space left on device"),
                 qPrintable(message));
        QTRY_VERIFY(visibleMessage(&window).contains(message));
        QVERIFY(window.isVisible());
        {
            RunStore records(store.toStdString());
            QVERIFY(records.run(id).state == RunState::Failed);
            QCOMPARE(records.run(id).epochsDone, 1);
        }
        QVERIFY2(
                QDir(full + "/" + QString::number(id)).entryList({"*.tmp*"}, QDir::Files).isEmpty(),
                qPrintable(QDir(full + "/" + QString::number(id)).entryList().join(", ")));

        // Room again: the runs' folders move to the good disk, and the run resumes to its end.
        QVERIFY(QFile::remove(store + "/runs"));
        QVERIFY(QDir().rename(full, store + "/runs"));
        window.runCommands()->resumeRun(id);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, kRunTimeoutMs);
        QCOMPARE(finished[1][1].toInt(), static_cast<int>(RunState::Finished));
        QCOMPARE(RunStore(store.toStdString()).run(id).epochsDone, 2);
    }
};

QTEST_MAIN(TestWindowFaults)
#include "test_window_faults.moc"
