// The runs table says what `normlab-cli runs show` says about the same run, its selection follows
// the run, and notes are shown and searched.

#include "presets.h"
#include "recorded_runs.h"
#include "run_store.h"
#include "store_merge.h"
#include "runs_panel.h"
#include "runs_table_model.h"
#include "test_support.h"

#include <QHeaderView>
#include <QLineEdit>
#include <QMenu>
#include <QSettings>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace normlab;
using namespace normlab::gui;
using test::recordRun;

namespace {

int columnNamed(const QAbstractItemModel *model, const QString &title)
{
    for (int c = 0; c < model->columnCount(); ++c)
        if (model->headerData(c, Qt::Horizontal).toString() == title)
            return c;
    return -1;
}

// The column's cells as the view shows them, top to bottom.
QStringList columnTexts(const QAbstractItemModel *model, int column)
{
    QStringList texts;
    for (int r = 0; r < model->rowCount(); ++r)
        texts << model->index(r, column).data().toString();
    return texts;
}

std::int64_t recordWithAccuracy(RunStore &store, const std::string &name, double accuracy)
{
    test::RecordedRun run;
    run.config = test::quickConfig(1);
    run.name = name;
    EpochMetrics m;
    m.epoch = 1;
    m.testAccuracy = accuracy;
    run.epochs = {m};
    return test::recordRun(store, run);
}

} // namespace

class TestRunsPanel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_tmp = std::make_unique<QTemporaryDir>();
        QCoreApplication::setOrganizationName("NormLabTest");
        QSettings().clear();
    }

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
        const QAbstractItemModel *table = panel.view()->model();
        QVERIFY(table->rowCount() == 1);
        QString tip;
        for (int c = 0; c < table->columnCount() && tip.isEmpty(); ++c)
            if (table->index(0, c).data(Qt::ToolTipRole).toString().contains("Peak memory"))
                tip = table->index(0, c).data(Qt::ToolTipRole).toString();
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
        const QAbstractItemModel *table = panel.view()->model();
        const int timeColumn = columnNamed(table, "Time");
        QVERIFY(timeColumn >= 0);
        QCOMPARE(table->index(0, timeColumn).data().toString(), QString("0:37"));
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
        QTableView *table = panel.view();
        for (int c = 0; c + 1 < table->model()->columnCount(); ++c)
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
        QTableView *table = panel.view();
        // Whatever a translation makes of the status text, the menu reads the state's role.
        QVERIFY(table->model()->index(0, 0).data(RunsTableModel::RunStateRole).isValid());
        const QPoint cell = table->visualRect(table->model()->index(0, 0)).center();
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

    // The table is a model behind a sort/filter proxy: a header click sorts by the value, not by
    // the text ("9.50 %" sorted above "80.00 %" as text), and the search filters the rows.
    void sortsByValueAndSearches()
    {
        QTemporaryDir dir;
        RunStore store(dir.path().toStdString());
        recordWithAccuracy(store, "low", 9.5);
        recordWithAccuracy(store, "high", 80.0);
        recordWithAccuracy(store, "middle", 45.25);
        RunsPanel panel;
        panel.refresh(store);
        QTableView *view = panel.view();
        const QAbstractItemModel *table = view->model();
        const int name = columnNamed(table, "Name");
        QCOMPARE(columnTexts(table, name), (QStringList {"middle", "high", "low"})); // newest first
        view->sortByColumn(columnNamed(table, "Best test acc"), Qt::DescendingOrder);
        QCOMPARE(columnTexts(table, name), (QStringList {"high", "middle", "low"}));
        view->sortByColumn(columnNamed(table, "Best test acc"), Qt::AscendingOrder);
        QCOMPARE(columnTexts(table, name), (QStringList {"low", "middle", "high"}));
        panel.findChild<QLineEdit *>()->setText("  HIGH ");
        QCOMPARE(columnTexts(table, name), (QStringList {"high"}));
        panel.findChild<QLineEdit *>()->clear();
        QCOMPARE(table->rowCount(), 3);
    }

    // A new run keeps the selected run selected and the ticks where they were, and a tick in the
    // table reaches checkedRuns through the model.
    void ticksAndSelectionBelongToRuns()
    {
        QTemporaryDir dir;
        RunStore store(dir.path().toStdString());
        const qint64 first = recordWithAccuracy(store, "first", 50);
        RunsPanel panel;
        panel.refresh(store);
        QSignalSpy changed(&panel, &RunsPanel::checkedRunsChanged);
        QAbstractItemModel *table = panel.view()->model();
        QVERIFY(table->setData(table->index(0, 0), Qt::Checked, Qt::CheckStateRole));
        QCOMPARE(panel.checkedRuns(), QList<qint64> {first});
        QCOMPARE(changed.size(), 1);
        panel.selectRun(first);
        recordWithAccuracy(store, "second", 60);
        panel.refresh(store);
        QCOMPARE(table->rowCount(), 2);
        QCOMPARE(panel.selectedRun(), first);
        QCOMPARE(table->index(1, 0).data(Qt::CheckStateRole).value<Qt::CheckState>(), Qt::Checked);
        QCOMPARE(table->index(0, 0).data(Qt::CheckStateRole).value<Qt::CheckState>(),
                 Qt::Unchecked);
    }

    // A run started from a preset and changed says so: the Preset column read "s8-bn" for a
    // GroupNorm run, beside a Norm column reading "group(4)".
    void anEditedPresetIsMarked()
    {
        QTemporaryDir dir;
        RunStore store(dir.path().toStdString());
        test::RecordedRun run;
        run.config = presetConfig("s8-bn");
        run.config.model.norm = NormKind::Group;
        test::recordRun(store, run);
        RunsPanel panel;
        panel.refresh(store);
        const QAbstractItemModel *table = panel.view()->model();
        const QModelIndex preset = table->index(0, columnNamed(table, "Preset"));
        QCOMPARE(preset.data().toString(), QString("s8-bn (edited)"));
        QVERIFY2(preset.data(Qt::ToolTipRole).toString().contains(R"(model.norm: "batch" -> "group")"),
                 qPrintable(preset.data(Qt::ToolTipRole).toString()));
    }

    // A run merged from a cluster sweep's task store says where it came from and over how many
    // ranks it trained, as `runs show` does: the table showed it like a run trained here.
    void aMergedRunSaysWhereItCameFrom()
    {
        QTemporaryDir task, mine;
        {
            RunStore taskStore(task.path().toStdString());
            test::RecordedRun run;
            run.config = test::quickConfig(1);
            run.name = "from the cluster";
            run.parallel = R"({"world_size": 2, "hosts": ["node1", "node2"], "backend": "gloo",
                               "local_batch": 16, "global_batch": 32, "sync_bn": false})";
            EpochMetrics m;
            m.epoch = 1;
            run.epochs = {m};
            test::recordRun(taskStore, run);
        }
        RunStore store(mine.path().toStdString());
        test::RecordedRun local;
        local.config = test::quickConfig(1);
        local.name = "trained here";
        test::recordRun(store, local);
        QCOMPARE(mergeStore(store, task.path().toStdString()).imported, 1);

        RunsPanel panel;
        panel.refresh(store);
        const QAbstractItemModel *table = panel.view()->model();
        const int name = columnNamed(table, "Name");
        QMap<QString, QString> tips;
        for (int r = 0; r < table->rowCount(); ++r)
            tips[table->index(r, name).data().toString()] =
                    table->index(r, name).data(Qt::ToolTipRole).toString();
        const QString merged = tips.value("from the cluster");
        QVERIFY2(merged.contains("Merged from run 1 of "), qPrintable(merged));
        QVERIFY2(merged.contains("Trained on 2 data-parallel ranks (gloo; node1, node2), batch 16 per "
                                 "rank, 32 global"),
                 qPrintable(merged));
        QVERIFY2(!tips.value("trained here").contains("Merged"),
                 qPrintable(tips.value("trained here")));
    }

    void selectionFollowsTheRun();
    void notesAreShownAndSearched();

private:
    std::unique_ptr<QTemporaryDir> m_tmp;
};

// Each new run inserted at the top moved the highlight from run 1 to 2 to 3.
void TestRunsPanel::selectionFollowsTheRun()
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

void TestRunsPanel::notesAreShownAndSearched()
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

QTEST_MAIN(TestRunsPanel)
#include "test_runs_panel.moc"
