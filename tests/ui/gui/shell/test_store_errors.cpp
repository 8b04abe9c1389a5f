// A run store that fails under the window (a table gone, as in a damaged or foreign store) is a
// message in the view that read it, never an exception out of a slot, which ended the program.

#include "comparison_view.h"
#include "curves_view.h"
#include "main_window.h"
#include "mistakes_view.h"
#include "recorded_runs.h"
#include "run_store.h"
#include "runs_panel.h"
#include "sqlite_db.h"
#include "store_error_banner.h"
#include "test_support.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace normlab;
using namespace normlab::gui;

namespace {

// One finished run of two epochs, recorded as training records it.
qint64 recordRun(const QString &dir)
{
    RunStore store(dir.toStdString());
    test::RecordedRun run;
    run.config = test::quickConfig(2);
    run.sweep = "sweep-x";
    for (int e = 1; e <= 2; ++e) {
        EpochMetrics m;
        m.epoch = e;
        m.testAccuracy = 50 + e;
        m.testLoss = 1.0 / e;
        m.confusion = {3, 1, 2, 4};
        m.misclassified = {{0, 0, 1, 0.7f}};
        run.epochs.push_back(m);
    }
    return test::recordRun(store, run);
}

bool bannerSays(QWidget *view)
{
    for (const StoreErrorBanner *b : view->findChildren<StoreErrorBanner *>())
        if (b->isVisibleTo(view) && b->text().contains("could not be read"))
            return true;
    return false;
}

} // namespace

class TestStoreErrors : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void aFailingStoreIsAMessageInTheView()
    {
        QTemporaryDir dir;
        const qint64 id = recordRun(dir.path());
        MainWindow window(dir.path());
        window.show();
        window.runsPanel()->setChecked(id, false);
        {
            SqliteDb db((dir.path() + "/normlab.db").toStdString(), SqliteDb::Mode::ReadWrite);
            db.exec("ALTER TABLE epochs RENAME TO epochs_elsewhere");
        }
        // Ticking the run reads its curves and the comparison; selecting it, its mistakes.
        window.runsPanel()->setChecked(id, true);
        QVERIFY(bannerSays(window.findChild<CurvesView *>()));
        window.comparisonView()->setGroup("sweep-x");
        window.comparisonView()->refresh(RunStore(dir.path().toStdString()));
        QVERIFY(bannerSays(window.comparisonView()));
        window.mistakesView()->showRun(RunStore(dir.path().toStdString()), id);
        QVERIFY(bannerSays(window.mistakesView()));
        QVERIFY(window.isVisible());

        // Mended, the views read again and the message goes.
        {
            SqliteDb db((dir.path() + "/normlab.db").toStdString(), SqliteDb::Mode::ReadWrite);
            db.exec("ALTER TABLE epochs_elsewhere RENAME TO epochs");
        }
        window.runsPanel()->setChecked(id, false);
        window.runsPanel()->setChecked(id, true);
        QVERIFY(!bannerSays(window.findChild<CurvesView *>()));
    }
};

QTEST_MAIN(TestStoreErrors)
#include "test_store_errors.moc"
