// The runs table says what `normlab-cli runs show` says about the same run.

#include "recorded_runs.h"
#include "run_store.h"
#include "runs_panel.h"
#include "test_support.h"

#include <QHeaderView>
#include <QMenu>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace normlab;
using namespace normlab::gui;

class TestRunsPanel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // The peak memory in the tooltip is decimal megabytes, as the CLI prints them (it said 542
    // where `runs show` said 569 for the same run).
    void peakMemoryInTheClisUnit()
    {
        QTemporaryDir dir;
        RunStore store(dir.path().toStdString());
        test::RecordedRun run;
        run.config = test::quickConfig(1);
        EpochMetrics m;
        m.epoch = 1;
        m.residentBytes = 569'000'000;
        run.epochs = {m};
        test::recordRun(store, run);
        RunsPanel panel;
        panel.refresh(store);
        auto *table = panel.findChild<QTableWidget *>();
        QVERIFY(table && table->rowCount() == 1);
        QString tip;
        for (int c = 0; c < table->columnCount() && tip.isEmpty(); ++c)
            if (table->item(0, c) && table->item(0, c)->toolTip().contains("Peak memory"))
                tip = table->item(0, c)->toolTip();
        QVERIFY2(tip.contains("Peak memory 569 MB"), qPrintable(tip));
    }

    // Time is training time: the recorded epochs' seconds, not the span from the first start to the
    // end, which counted the time a resumed run sat stopped.
    void timeIsTrainingTime()
    {
        QTemporaryDir dir;
        RunStore store(dir.path().toStdString());
        test::RecordedRun run;
        run.config = test::quickConfig(2);
        for (int e = 1; e <= 2; ++e) {
            EpochMetrics m;
            m.epoch = e;
            m.seconds = 18.5;
            run.epochs.push_back(m);
        }
        test::recordRun(store, run);
        RunsPanel panel;
        panel.refresh(store);
        auto *table = panel.findChild<QTableWidget *>();
        QVERIFY(table);
        int timeColumn = -1;
        for (int c = 0; c < table->columnCount(); ++c)
            if (table->horizontalHeaderItem(c)->text() == "Time")
                timeColumn = c;
        QVERIFY(timeColumn >= 0);
        QCOMPARE(table->item(0, timeColumn)->text(), QString("0:37"));
    }

    // A new epoch re-reads one row: the columns must not measure every row again for it (with
    // 3,000 runs that took 0.6 s per epoch, measured); they fit their contents once per refresh.
    void columnsAreNotResizedPerCell()
    {
        QTemporaryDir dir;
        RunStore store(dir.path().toStdString());
        test::RecordedRun run;
        run.config = test::quickConfig(1);
        run.name = "a run with a name long enough to widen its column";
        test::recordRun(store, run);
        RunsPanel panel;
        panel.refresh(store);
        auto *table = panel.findChild<QTableWidget *>();
        QVERIFY(table);
        for (int c = 0; c + 1 < table->columnCount(); ++c)
            QCOMPARE(table->horizontalHeader()->sectionResizeMode(c), QHeaderView::Interactive);
        QVERIFY(table->columnWidth(1) >=
                table->fontMetrics().horizontalAdvance(QString::fromStdString(run.name)));
    }

    // Whether a run can be resumed is read from its state, not from the status cell's (translated)
    // text.
    void resumeFollowsTheStateNotTheText()
    {
        QTemporaryDir dir;
        RunStore store(dir.path().toStdString());
        test::RecordedRun run;
        run.config = test::quickConfig(1);
        run.end = RunState::Stopped;
        test::recordRun(store, run);
        RunsPanel panel;
        panel.refresh(store);
        auto *table = panel.findChild<QTableWidget *>();
        QVERIFY(table);
        for (int c = 0; c < table->columnCount(); ++c)
            if (table->item(0, c) && table->item(0, c)->text() == "stopped")
                table->item(0, c)->setText("angehalten"); // as a translation would show it
        const QPoint cell = table->visualItemRect(table->item(0, 0)).center();
        Q_EMIT table->customContextMenuRequested(cell);
        QMenu *menu = panel.findChild<QMenu *>();
        QVERIFY(menu);
        QAction *resume = nullptr;
        for (QAction *a : menu->actions())
            if (a->text() == "&Resume")
                resume = a;
        QVERIFY(resume);
        QVERIFY(resume->isEnabled());
        menu->close();
    }
};

QTEST_MAIN(TestRunsPanel)
#include "test_runs_panel.moc"
