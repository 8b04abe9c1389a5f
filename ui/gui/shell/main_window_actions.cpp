// MainWindow's menus and toolbar, and the File menu's commands (open and save a config, export the
// charts and their data): apart from main_window.cpp so that file stays about the window's parts
// and the training flow.
#include "main_window.h"

#include "lr_finder_dialog.h"
#include "predict_panel.h"
#include "report_controller.h"
#include "report_dialog.h"

#include "settings_keys.h"

#include "async_dialogs.h"
#include "augment_preview.h"
#include "comparison_view.h"
#include "config_json.h"
#include "config_panel.h"
#include "curves_view.h"
#include "dataset_cache.h"
#include "errors.h"
#include "first_run_dialog.h"
#include "gui_types.h"
#include "metrics_chart.h"
#include "mistakes_view.h"
#include "model_summary_view.h"
#include "paths.h"
#include "process_stats.h"
#include "run_commands.h"
#include "run_naming.h"
#include "run_store.h"
#include "runs_panel.h"
#include "sweep_plan.h"
#include "training_controller.h"
#include "training_status.h"

#include <nlohmann/json.hpp>

#include <QAction>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMap>
#include <QMenuBar>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QVBoxLayout>
#include <QDir>
#include <QUrl>
#include <QMimeData>
#include <QDropEvent>
#include <QDragEnterEvent>

#include <algorithm>
#include <cmath>

namespace normlab::gui {

void MainWindow::buildActions()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(tr("&Open Config…"), this, &MainWindow::loadConfigFile);
    open->setShortcut(QKeySequence::Open);
    QAction *save = file->addAction(tr("&Save Config As…"), this, &MainWindow::saveConfigFile);
    save->setShortcut(QKeySequence::SaveAs);
    file->addAction(tr("Get &CIFAR-10…"), this, &MainWindow::offerDatasets);
    file->addSeparator();
    file->addAction(tr("&Export Charts…"), this, [this] { exportCharts(); });
    file->addAction(tr("Export Chart &Data (CSV)…"), this, &MainWindow::exportChartData);
    file->addAction(tr("&Predict Images…"), this, [this] { predictImages(); })
            ->setToolTip(tr("A recorded run's top classes and Grad-CAM for your own pictures "
                            "(or drop image files on the window)"));
    m_reportAction = file->addAction(tr("Export &Report…"), this, [this] { exportReport(); });
    m_reportAction->setToolTip(tr("A write-up of the checked runs as HTML or Markdown"));
    m_reportAction->setEnabled(false); // until runs are checked
    file->addSeparator();
    m_quitAction = file->addAction(tr("&Quit"), this, &QWidget::close);
    m_quitAction->setShortcut(QKeySequence::Quit);

    QMenu *run = menuBar()->addMenu(tr("&Run"));
    m_startAction = run->addAction(tr("&Train"), this, [this] { queueExperiment(); });
    m_startAction->setShortcut(Qt::CTRL | Qt::Key_Return);
    m_startAction->setToolTip(
            tr("Record this experiment as a run and train it (queued if another run trains)"));
    m_pauseAction = run->addAction(tr("&Pause"), this,
                                   [this] { m_controller->setPaused(!m_controller->isPaused()); });
    m_pauseAction->setShortcut(Qt::CTRL | Qt::Key_P);
    m_pauseAction->setCheckable(true);
    m_stopAction = run->addAction(tr("&Stop"), this, [this] { m_controller->stop(); });
    m_stopAction->setShortcut(Qt::CTRL | Qt::Key_Period);
    run->addAction(tr("Continue &Queue"), m_controller, &TrainingController::startQueue);
    run->addSeparator();
    m_lrFinderAction = run->addAction(tr("Find &Learning Rate…"), this, &MainWindow::findLearningRate);
    m_lrFinderAction->setToolTip(tr("The learning-rate range test on this experiment, and a "
                                    "OneCycle schedule from its suggestion"));
    m_compareAction = run->addAction(tr("&Compare Normalizations…"), this, [this] {
        askInt(this, tr("Compare Normalizations"),
               tr("Train this experiment with BatchNorm, GroupNorm and LayerNorm.\n"
                  "Seeds per normalization:"),
               1, 1, 10, [this](int seeds) { compareNormalizations(seeds); });
    });

    QToolBar *toolbar = addToolBar(tr("Training"));
    toolbar->setObjectName("trainingToolbar");
    toolbar->addAction(m_startAction);
    toolbar->addAction(m_pauseAction);
    toolbar->addAction(m_stopAction);
    toolbar->addSeparator();
    toolbar->addAction(m_compareAction);
}

LrFinderDialog *MainWindow::findLearningRate()
{
    if (!m_lrFinder) {
        m_lrFinder = new LrFinderDialog(*m_store, this);
        // Window-modal: the form cannot change and nothing trains beside the test.
        m_lrFinder->setWindowModality(Qt::WindowModal);
        connect(m_lrFinder, &LrFinderDialog::maxLrChosen, this, [this](double lr) {
            ExperimentConfig c = m_config->config();
            c.schedule.kind = ScheduleConfig::Kind::OneCycle;
            c.schedule.maxLr = lr;
            m_config->setConfig(c);
            m_lrFinder->close();
            statusBar()->showMessage(
                    tr("Schedule: OneCycle with a peak learning rate of %1, from the range test")
                            .arg(lr, 0, 'g', 3),
                    15'000);
        });
    }
    m_lrFinder->setConfig(m_config->config());
    m_lrFinder->show();
    return m_lrFinder;
}

PredictPanel *MainWindow::predictImages(const QStringList &files)
{
    if (!m_predict) {
        m_predict = new PredictPanel(*m_store, this);
    } else {
        m_predict->refreshRuns(); // runs finished since it was opened
    }
    if (!m_predict->isVisible()) {
        // The run looked at last: the selected one, else the newest checked one.
        QList<qint64> checked = m_runs->checkedRuns();
        std::sort(checked.begin(), checked.end(), std::greater<>());
        if (m_runs->selectedRun() >= 0)
            m_predict->setRun(m_runs->selectedRun());
        else if (!checked.isEmpty())
            m_predict->setRun(checked.first());
    }
    m_predict->show();
    m_predict->raise();
    if (!files.isEmpty())
        m_predict->addFiles(files);
    return m_predict;
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    for (const QUrl &url : event->mimeData()->urls())
        if (url.isLocalFile() && (PredictPanel::isImageFile(url.toLocalFile()) ||
                                  QFileInfo(url.toLocalFile()).isDir())) {
            event->acceptProposedAction();
            return;
        }
}

void MainWindow::dropEvent(QDropEvent *event)
{
    QStringList files;
    for (const QUrl &url : event->mimeData()->urls())
        if (url.isLocalFile())
            files << url.toLocalFile();
    if (files.isEmpty())
        return;
    event->acceptProposedAction();
    predictImages(PredictPanel::expandFolders(files));
}

ReportDialog *MainWindow::exportReport(QList<qint64> runs)
{
    if (!m_report)
        m_report = new ReportDialog(*m_store, this);
    if (runs.isEmpty())
        runs = m_runs->checkedRuns();
    std::sort(runs.begin(), runs.end());
    if (!m_report->controller()->isRunning())
        m_report->setRuns(runs);
    m_report->show();
    m_report->raise();
    return m_report;
}

void MainWindow::loadConfigFile()
{
    chooseFileToOpen(
            this, tr("Open Config"), tr("NormLab configs (*.json)"), [this](const QString &path) {
                try {
                    m_config->setConfig(normlab::loadConfigFile(path.toStdString()));
                } catch (const InputError &e) {
                    showWarning(this, tr("Cannot open the config"), QString::fromUtf8(e.what()));
                }
            });
}

void MainWindow::saveConfigFile()
{
    chooseFileToSave(this, tr("Save Config"), "experiment.json", tr("NormLab configs (*.json)"),
                     [this](const QString &path) {
                         try {
                             normlab::saveConfigFile(m_config->config(), path.toStdString());
                         } catch (const InputError &e) {
                             showWarning(this, tr("Cannot save the config"),
                                         QString::fromUtf8(e.what()));
                         }
                     });
}

QStringList MainWindow::exportCharts(const QString &basePath)
{
    if (basePath.isEmpty()) {
        chooseFileToSave(this, tr("Export Charts"), "normlab-chart.png",
                         tr("PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)"),
                         [this](const QString &path) { exportCharts(path); });
        return {};
    }
    QString error;
    const QStringList written = m_curves->exportImages(basePath, &error);
    if (!error.isEmpty()) {
        showWarning(this, tr("Export Charts"), error);
        return written;
    }
    statusBar()->showMessage(tr("Wrote %1").arg(written.join(", ")), 10'000);
    return written;
}

void MainWindow::exportChartData()
{
    chooseFileToSave(this, tr("Export Chart Data"), "normlab-curves.csv", tr("CSV (*.csv)"),
                     [this](const QString &path) {
                         // Written whole or not at all: a full disk leaves the old file as it was.
                         QSaveFile file(path);
                         if (!file.open(QIODevice::WriteOnly) ||
                             file.write(m_curves->toCsv().toUtf8()) < 0 || !file.commit())
                             showWarning(this, tr("Export Chart Data"),
                                         tr("%1: %2").arg(path, file.errorString()));
                     });
}

} // namespace normlab::gui
