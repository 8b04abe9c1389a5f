// File -> Export Report: enabled once runs are checked (the Comparison tab's button once a
// comparison is open); the dialog writes the runs' report off the GUI thread as HTML or Markdown,
// says where and what it left out, and a file it cannot write is a message in the dialog, never a
// crash.

#include "comparison_view.h"
#include "main_window.h"
#include "recorded_runs.h"
#include "report_controller.h"
#include "report_dialog.h"
#include "runs_panel.h"
#include "test_support.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QMenuBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using namespace normlab;
using namespace normlab::gui;

class TestReportDialog : public QObject
{
    Q_OBJECT

    QAction *reportAction(MainWindow &window)
    {
        for (QAction *menu : window.menuBar()->actions())
            for (QAction *a : menu->menu()->actions())
                if (a->text().contains("Export &Report"))
                    return a;
        return nullptr;
    }

private Q_SLOTS:
    void init()
    {
        QStandardPaths::setTestModeEnabled(true);
        m_tmp = std::make_unique<QTemporaryDir>();
        RunStore store(m_tmp->filePath("store").toStdString());
        m_first = test::recordRun(store, 1, {1.2, 1.0, 0.9});
        m_second = test::recordRun(store, 2, {1.3, 1.1, 0.95});
    }

    void theCheckedRunsAreReported()
    {
        MainWindow window(m_tmp->filePath("store"));
        QAction *action = reportAction(window);
        QVERIFY(action);
        window.runsPanel()->setChecked(m_first, false);
        window.runsPanel()->setChecked(m_second, false);
        QVERIFY(!action->isEnabled());
        window.runsPanel()->setChecked(m_second, true);
        window.runsPanel()->setChecked(m_first, true);
        QVERIFY(action->isEnabled());

        ReportDialog *dialog = window.exportReport();
        QVERIFY(dialog->isVisible());
        dialog->setPath(m_tmp->filePath("out/report.html"));
        QSignalSpy done(dialog->controller(), &ReportController::finished);
        dialog->start();
        QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, 60'000);
        QVERIFY2(dialog->statusText().contains("Written to"), qPrintable(dialog->statusText()));
        QFile html(m_tmp->filePath("out/report.html"));
        QVERIFY(html.open(QIODevice::ReadOnly));
        const QByteArray text = html.readAll();
        QVERIFY(text.contains("<h2>Results</h2>"));
        // In id order, whatever order they were checked in.
        const auto row = [&](qint64 id) {
            return text.indexOf("<tr><td class=\"num\">" + QByteArray::number(id) + "</td>");
        };
        QVERIFY(row(m_first) > 0 && row(m_first) < row(m_second));
    }

    void markdownGoesBesideItsPictures()
    {
        RunStore store(m_tmp->filePath("store").toStdString());
        ReportDialog dialog(store);
        dialog.setRuns({m_first});
        dialog.setPath(m_tmp->filePath("notes/run.html"));
        dialog.setMarkdown(true);
        QCOMPARE(dialog.path(), m_tmp->filePath("notes/run.md")); // the suffix follows the format
        QSignalSpy done(dialog.controller(), &ReportController::finished);
        dialog.start();
        QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, 60'000);
        QCOMPARE(dialog.writtenPath(), m_tmp->filePath("notes/run.md"));
        QVERIFY(!QImage(m_tmp->filePath("notes/run_files/curves.png")).isNull());
    }

    void aFileThatCannotBeWrittenIsAMessage()
    {
        RunStore store(m_tmp->filePath("store").toStdString());
        QFile blocker(m_tmp->filePath("blocker"));
        QVERIFY(blocker.open(QIODevice::WriteOnly)); // a file where a folder should be
        blocker.close();
        ReportDialog dialog(store);
        dialog.setRuns({m_first});
        dialog.setPath(m_tmp->filePath("blocker/report.html"));
        dialog.start();
        QTRY_VERIFY(dialog.statusText().contains("cannot be created"));
        QVERIFY(!dialog.controller()->isRunning());

        // A run deleted after it was listed: the worker's StoreError becomes the message.
        dialog.setRuns({m_first, 99});
        dialog.setPath(m_tmp->filePath("ok/report.html"));
        QSignalSpy failed(dialog.controller(), &ReportController::failed);
        dialog.start();
        QTRY_COMPARE(failed.size(), 1);
        QVERIFY2(dialog.statusText().contains("no run 99"), qPrintable(dialog.statusText()));
    }

    void aComparisonReportsItsRuns()
    {
        std::vector<std::int64_t> sweep;
        {
            RunStore store(m_tmp->filePath("store").toStdString());
            for (const NormKind norm : {NormKind::Batch, NormKind::Group}) {
                test::RecordedRun run;
                run.config = test::quickConfig(1);
                run.config.model.norm = norm;
                run.sweep = "cmp";
                run.epochs.push_back({});
                run.epochs.back().epoch = 1;
                sweep.push_back(test::recordRun(store, run));
            }
        }
        MainWindow window(m_tmp->filePath("store"));
        ComparisonView *comparison = window.comparisonView();
        comparison->setGroup({});
        QVERIFY(!comparison->reportButton()->isEnabled());
        comparison->setGroup("cmp");
        QVERIFY(comparison->reportButton()->isEnabled());
        comparison->reportButton()->click();
        auto *dialog = window.findChild<ReportDialog *>();
        QVERIFY(dialog && dialog->isVisible());
        QCOMPARE(dialog->runs(), QList<qint64>({sweep[0], sweep[1]}));
    }

private:
    std::unique_ptr<QTemporaryDir> m_tmp;
    std::int64_t m_first = 0, m_second = 0;
};

QTEST_MAIN(TestReportDialog)
#include "test_report_dialog.moc"
