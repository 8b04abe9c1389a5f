// The runs table says what `normlab-cli runs show` says about the same run.

#include "config_json.h"
#include "run_store.h"
#include "run_writer.h"
#include "runs_panel.h"
#include "test_support.h"

#include <nlohmann/json.hpp>

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
        const ExperimentConfig config = test::quickConfig(1);
        const qint64 id = store.createRun({"r", toJson(config).dump(), config.seed, {}, {}, {}});
        {
            RunWriter writer(store, id);
            writer.started({"synthetic", "", "fp", {"a", "b"}, 48552, "cpu"});
            EpochMetrics m;
            m.epoch = 1;
            m.residentBytes = 569'000'000;
            writer.addEpoch(m);
            writer.finish(RunState::Finished);
        }
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
        const ExperimentConfig config = test::quickConfig(2);
        const qint64 id = store.createRun({"r", toJson(config).dump(), config.seed, {}, {}, {}});
        {
            RunWriter writer(store, id);
            writer.started({"synthetic", "", "fp", {"a", "b"}, 48552, "cpu"});
            for (int e = 1; e <= 2; ++e) {
                EpochMetrics m;
                m.epoch = e;
                m.seconds = 18.5;
                writer.addEpoch(m);
            }
            writer.finish(RunState::Finished);
        }
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

    // Whether a run can be resumed is read from its state, not from the status cell's (translated)
    // text.
    void resumeFollowsTheStateNotTheText()
    {
        QTemporaryDir dir;
        RunStore store(dir.path().toStdString());
        const ExperimentConfig config = test::quickConfig(1);
        const qint64 id = store.createRun({"r", toJson(config).dump(), config.seed, {}, {}, {}});
        {
            RunWriter writer(store, id);
            writer.started({"synthetic", "", "fp", {"a", "b"}, 48552, "cpu"});
            writer.finish(RunState::Stopped);
        }
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
