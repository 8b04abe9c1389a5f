#include "main_window.h"

#include "settings_keys.h"
#include "splitter_memory.h"

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
#include "inside_view.h"
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
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace normlab::gui {

namespace {

// How often the window looks whether another process changed the store: a CLI run or a merged
// cluster sweep shows up within this.
constexpr int kStorePollMs = 2000;

} // namespace

MainWindow::MainWindow(const QString &storeDir, QWidget *parent)
    : QMainWindow(parent), m_store(std::make_unique<RunStore>(storeDir.toStdString()))
{
    setWindowTitle(tr("NormLab"));
    m_controller = new TrainingController(storeDir, this);
    buildTabs();
    buildLayout();
    buildActions();
    setAcceptDrops(true); // image files: Predict Images
    connectTraining();
    connectRuns();
    connectExperiment();
    restoreSettings();
    refreshRuns();
    m_runs->restoreChecks(*m_store);
    updateActions();
    auto *storeWatch = new QTimer(this);
    storeWatch->setInterval(kStorePollMs);
    connect(storeWatch, &QTimer::timeout, this, &MainWindow::checkStoreChanged);
    storeWatch->start();
}

// The right-hand tabs: Curves, Mistakes, Comparison, Inside, Augmentation (the last shares the
// decoded dataset cache with Mistakes).
void MainWindow::buildTabs()
{
    m_curves = new CurvesView;
    auto *images = new DatasetCache(this);
    m_mistakes = new MistakesView(images);
    m_tabs = new QTabWidget;
    m_tabs->addTab(m_curves, tr("&Curves"));
    m_tabs->addTab(m_mistakes, tr("&Mistakes"));
    m_comparison = new ComparisonView;
    m_tabs->addTab(m_comparison, tr("C&omparison"));
    m_inside = new InsideView;
    m_tabs->addTab(m_inside, tr("&Inside"));
    m_preview = new AugmentPreview(images);
    m_tabs->addTab(m_preview, tr("&Augmentation"));
}

// The form and model summary on the left, the tabs over the runs table on the right, the status
// bar below.
void MainWindow::buildLayout()
{
    m_config = new ConfigPanel;
    auto *configScroll = new QScrollArea;
    configScroll->setWidget(m_config);
    configScroll->setWidgetResizable(true);
    configScroll->setMinimumWidth(410);

    m_runs = new RunsPanel;
    auto *right = new QSplitter(Qt::Vertical);
    right->setObjectName("rightSplitter");
    right->addWidget(m_tabs);
    right->addWidget(m_runs);
    right->setStretchFactor(0, 3);
    right->setStretchFactor(1, 2);
    // The stretch alone left the runs table about three rows at 1500x950 (the charts' size hint
    // took the rest); these are proportions, scaled to the splitter's height.
    right->setSizes({600, 400});

    m_summary = new ModelSummaryView;
    auto *form = new QSplitter(Qt::Vertical);
    form->setObjectName("formSplitter");
    form->addWidget(configScroll);
    form->addWidget(m_summary);
    form->setStretchFactor(0, 1);
    form->setChildrenCollapsible(false);

    auto *left = new QWidget;
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    m_runName = new QLineEdit;
    m_runName->setPlaceholderText(tr("Run name (default: preset and normalization)"));
    leftLayout->addWidget(form, 1);
    leftLayout->addWidget(m_config->messageArea());
    leftLayout->addWidget(m_runName);

    auto *main = new QSplitter(Qt::Horizontal);
    main->addWidget(left);
    main->addWidget(right);
    main->setStretchFactor(1, 1);
    main->setObjectName("mainSplitter");
    setCentralWidget(main);

    m_status = new TrainingStatus;
    statusBar()->addWidget(m_status, 1);
}

// Training's progress into the views, and the Train action's state.
void MainWindow::connectTraining()
{
    connect(m_config, &ConfigPanel::configChanged, this, &MainWindow::updateActions);
    connect(m_controller, &TrainingController::runStarted, this, &MainWindow::onRunStarted);
    connect(m_controller, &TrainingController::batchDone, this, &MainWindow::onBatch);
    connect(m_controller, &TrainingController::epochDone, this, &MainWindow::onEpoch);
    connect(m_controller, &TrainingController::runFinished, this, &MainWindow::onRunFinished);
    connect(m_curves, &CurvesView::groupSeedsChanged, m_inside, &InsideView::setGroupSeeds);
    connect(m_controller, &TrainingController::layerStatsDone, m_inside,
            &InsideView::addLayerStats);
    connect(m_controller, &TrainingController::layerHistogramsDone, m_inside,
            &InsideView::addLayerHistograms);
    connect(m_controller, &TrainingController::queueChanged, this, &MainWindow::updateActions);
    connect(m_controller, &TrainingController::pausedChanged, this, &MainWindow::updateActions);
    connect(m_controller, &TrainingController::pausedChanged, m_status, &TrainingStatus::setPaused);
}

// The runs table: ticks draw runs, a selection stands out in the curves and opens its group and
// its mistakes, its commands.
void MainWindow::connectRuns()
{
    connect(m_runs, &RunsPanel::checkedRunsChanged, this, &MainWindow::syncCheckedRuns);
    connect(m_comparison, &ComparisonView::classSourceChanged, this,
            [this] { m_comparison->refresh(*m_store); });
    connect(m_comparison, &ComparisonView::reportRequested, this, [this](const QString &sweep) {
        try {
            RunFilter filter;
            filter.sweep = sweep.toStdString();
            QList<qint64> runs;
            for (const RunRecord &r : m_store->runs(filter))
                runs.append(r.id);
            if (!runs.isEmpty())
                exportReport(runs);
        } catch (const StoreError &e) {
            showWarning(this, tr("Export Report"), QString::fromUtf8(e.what()));
        }
    });
    connect(m_runs, &RunsPanel::runSelected, this, [this](qint64 id) {
        // A run from a sweep or comparison opens its group in the Comparison tab.
        try {
            const std::string sweep = m_store->run(id).sweep;
            if (!sweep.empty()) {
                m_comparison->setGroup(QString::fromStdString(sweep));
                m_comparison->refresh(*m_store);
            }
        } catch (const StoreError &) {
        }
        m_curves->setEmphasis(id);
        m_mistakesStale = id;
        if (m_mistakes->isVisible())
            refreshMistakes();
    });
    m_runCommands = new RunCommands(*m_store, m_controller, this);
    connect(m_runs, &RunsPanel::tagRequested, m_runCommands, &RunCommands::requestTag);
    connect(m_runs, &RunsPanel::noteRequested, m_runCommands, &RunCommands::requestNote);
    connect(m_runs, &RunsPanel::resumeRequested, m_runCommands, &RunCommands::resumeRun);
    connect(m_runs, &RunsPanel::deleteRequested, m_runCommands, &RunCommands::requestDelete);
    connect(m_runCommands, &RunCommands::runsChanged, this, &MainWindow::refreshRuns);
    connect(m_runCommands, &RunCommands::runResuming, this,
            [this](qint64 id) { m_runs->setChecked(id, true); });
    connect(m_runCommands, &RunCommands::runDeleted, this, [this](qint64 id) {
        m_runs->setChecked(id, false);
        m_curves->removeRun(id);
    });
}

// The form into the model summary and the augmentation preview; tabs refresh when shown.
void MainWindow::connectExperiment()
{
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        if (m_tabs->currentWidget() == m_mistakes)
            refreshMistakes();
        if (m_tabs->currentWidget() == m_preview && m_config->valid())
            m_preview->setConfig(m_config->config());
    });
    connect(m_config, &ConfigPanel::configChanged, this,
            [this] { m_summary->showModel(m_config->config().model); });
    m_summary->showModel(m_config->config().model);
    // The preview follows the form while it is on screen (loading data only when asked to show it).
    connect(m_config, &ConfigPanel::configChanged, this, [this](bool valid) {
        if (valid && m_preview->isVisible())
            m_preview->setConfig(m_config->config());
    });
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    restoreGeometry(settings.value(settings::kWindowGeometry).toByteArray());
    restoreState(settings.value(settings::kWindowState).toByteArray());
    restoreSplitters(this, settings);
    const QByteArray lastConfig = settings.value(settings::kLastConfig).toByteArray();
    if (!lastConfig.isEmpty()) {
        try {
            m_config->setConfig(
                    recordedConfigFromJson(nlohmann::json::parse(lastConfig.toStdString())));
        } catch (const std::exception &) {
            // A config from an older NormLab that no longer validates: start from the preset.
        }
    }
}

MainWindow::~MainWindow() = default;

MetricsChart *MainWindow::lossChart() const
{
    return m_curves->lossChart();
}

MetricsChart *MainWindow::accuracyChart() const
{
    return m_curves->accuracyChart();
}

FirstRunDialog *MainWindow::offerDatasets()
{
    auto *dialog =
            new FirstRunDialog(QString::fromStdString(userDataDir()), cifar10Archive(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        setDataSource(dialog->dataSource());
        if (!dialog->foundText().isEmpty())
            statusBar()->showMessage(
                    tr("Data: %1 (%2)").arg(dialog->foundText(), dialog->dataSource()), 30'000);
    });
    dialog->open();
    return dialog;
}

void MainWindow::setDataSource(const QString &source)
{
    ExperimentConfig c = m_config->config();
    c.data.source = source.toStdString();
    m_config->setConfig(c);
}

qint64 MainWindow::queueExperiment()
{
    if (!m_config->valid()) {
        showWarning(this, tr("Invalid experiment"), m_config->error());
        return -1;
    }
    ExperimentConfig config = m_config->config();
    QString name = m_runName->text().trimmed();
    if (name.isEmpty())
        name = defaultRunName(config, false);
    config.name = name.toStdString();
    qint64 id = -1;
    try {
        id = m_store->createRun({config.name, toJson(config).dump(), config.seed, {}, {}, {}});
    } catch (const StoreError &e) {
        showError(this, tr("Run store"), QString::fromUtf8(e.what()));
        return -1;
    }
    QSettings().setValue(settings::kLastConfig,
                         QByteArray::fromStdString(toJson(m_config->config()).dump()));
    refreshRuns();
    m_runs->setChecked(id, true);
    m_controller->enqueue(id);
    return id;
}

QList<qint64> MainWindow::compareNormalizations(int seeds)
{
    if (!m_config->valid()) {
        showWarning(this, tr("Invalid experiment"), m_config->error());
        return {};
    }
    // Planned whole (every combination checked) and created in one transaction: nothing is left
    // half-queued when the engine refuses a combination or the store fails.
    QList<qint64> ids;
    QString group;
    try {
        SweepOptions options;
        options.names = SweepOptions::Names::Words;
        options.layerNorm = SweepOptions::LayerNorm::Reference;
        const SweepPlan plan =
                planSweep(m_config->config(),
                          {normAxis({NormKind::Batch, NormKind::Group, NormKind::Layer}),
                           seedAxis(m_config->config().seed, seeds)},
                          options);
        std::vector<NewRun> runs;
        for (const PlannedRun &p : plan.runs)
            runs.push_back(
                    {p.name, toJson(p.config).dump(), p.config.seed, {"compare"}, plan.id, {}});
        for (const std::int64_t id : m_store->createRuns(runs))
            ids << id;
        group = QString::fromStdString(plan.id);
    } catch (const StoreError &e) {
        showError(this, tr("Run store"), QString::fromUtf8(e.what()));
        return {};
    } catch (const InputError &e) {
        showWarning(this, tr("Compare Normalizations"), QString::fromUtf8(e.what()));
        return {};
    }
    refreshRuns();
    for (const qint64 id : ids) {
        m_runs->setChecked(id, true);
        m_controller->enqueue(id);
    }
    m_comparison->setGroup(group);
    m_comparison->refresh(*m_store);
    m_tabs->setCurrentWidget(m_curves);
    return ids;
}

void MainWindow::onRunStarted(qint64 runId, int epochs, int resumedFrom, qint64 parameters,
                              const QString &description)
{
    m_status->runStarted(runId, epochs, resumedFrom);
    m_curves->setEmphasis(0); // the run training now is the one watched: none drawn faded
    m_inside->reloadRun(runId); // a resume has dropped the statistics of the epochs it redoes
    try {
        m_runs->setRunningSince(runId, unixTime(), m_store->run(runId).trainingSeconds);
    } catch (const StoreError &) {
        // the table says so at its next refresh
    }
    statusBar()->setToolTip(tr("%1 parameters, %2").arg(parameters).arg(description));
    refreshRuns();
    updateActions();
}

void MainWindow::onBatch(qint64 runId, const BatchProgress &p)
{
    m_status->batchDone(p);
    m_curves->addBatch(runId, p);
}

void MainWindow::onEpoch(qint64 runId, const EpochMetrics &m)
{
    m_curves->addEpoch(runId, m);
    // Only the training run's row changed: the whole table is re-read at start and finish.
    try {
        if (!m_runs->refreshRun(*m_store, runId))
            refreshRuns();
    } catch (const StoreError &e) {
        statusBar()->showMessage(QString::fromUtf8(e.what()), 10'000);
    }
    m_comparison->refresh(*m_store);
    // The mistakes of the run in training follow its newest epoch, drawn only when on screen.
    if (m_mistakes->run() == runId || m_mistakes->run() < 0) {
        m_mistakesStale = runId;
        if (m_mistakes->isVisible())
            refreshMistakes();
    }
}

void MainWindow::refreshMistakes()
{
    if (m_mistakesStale < 0)
        return;
    m_mistakes->showRun(*m_store, m_mistakesStale);
    m_mistakesStale = -1;
}

void MainWindow::onRunFinished(qint64 runId, RunState state, const QString &message)
{
    const QString stateText = QString::fromStdString(toString(state));
    m_status->runFinished(message.isEmpty()
                                  ? tr("Run %1 %2").arg(runId).arg(stateText)
                                  : tr("Run %1 %2: %3").arg(runId).arg(stateText, message));
    m_comparison->refresh(*m_store);
    if (state == RunState::Failed)
        showWarning(this, tr("Run %1 failed").arg(runId), message);
    refreshRuns();
    updateActions();
}

void MainWindow::syncCheckedRuns()
{
    m_curves->showRuns(*m_store, m_runs->checkedRuns());
    m_inside->showRuns(*m_store, m_runs->checkedRuns());
    m_comparison->setCheckedRuns(m_runs->checkedRuns());
    m_reportAction->setEnabled(!m_runs->checkedRuns().isEmpty());
    m_comparison->refresh(*m_store);
}

void MainWindow::setGroupSeeds(bool on)
{
    m_curves->setGroupSeeds(on); // the Inside tab follows its check box
}

void MainWindow::checkStoreChanged()
{
    try {
        if (m_store->changeStamp() == m_storeStamp)
            return;
    } catch (const StoreError &) {
        return; // refreshRuns says so
    }
    refreshRuns();
    m_comparison->refresh(*m_store);
}

void MainWindow::refreshRuns()
{
    try {
        m_storeStamp = m_store->changeStamp();
        m_runs->refresh(*m_store);
    } catch (const StoreError &e) {
        statusBar()->showMessage(QString::fromUtf8(e.what()), 10'000);
    }
}

void MainWindow::updateActions()
{
    const bool training = m_controller->isTraining();
    m_startAction->setEnabled(m_config->valid());
    m_startAction->setText(training ? tr("&Queue") : tr("&Train"));
    m_pauseAction->setEnabled(training);
    m_pauseAction->setChecked(m_controller->isPaused());
    m_stopAction->setEnabled(training);
    m_lrFinderAction->setEnabled(m_config->valid() && !training);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_controller->isTraining() && !m_quitConfirmed) {
        // Ask without blocking; a Yes stops the run (recorded as stopped) and closes again.
        event->ignore();
        askYesNo(this, tr("Stop training?"),
                 tr("Run %1 is training. Stop it and quit? It is recorded as stopped and can be "
                    "resumed.")
                         .arg(m_controller->currentRun()),
                 [this] {
                     m_quitConfirmed = true;
                     close();
                 });
        return;
    }
    if (m_controller->isTraining())
        m_controller->stop(true);
    QSettings settings;
    settings.setValue(settings::kWindowGeometry, saveGeometry());
    settings.setValue(settings::kWindowState, saveState());
    saveSplitters(this, settings);
    m_runs->saveChecks(*m_store);
    settings.setValue(settings::kLastConfig,
                      QByteArray::fromStdString(toJson(m_config->config()).dump()));
    event->accept();
}

} // namespace normlab::gui
