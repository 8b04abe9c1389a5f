// NormLab's main window: the experiment form on the left, the loss and accuracy charts side by
// side, the runs table below them, training status at the bottom. It wires the views to the
// training controller and the run store and holds no training logic of its own.
#pragma once

#include <QHash>
#include <QMainWindow>

#include <memory>

class QAction;
class QCheckBox;
class QLineEdit;
class QSlider;

namespace normlab {
class RunStore;
struct BatchProgress;
struct EpochMetrics;
enum class RunState;
} // namespace normlab

namespace normlab::gui {

class AugmentPreview;
class ComparisonView;
class ConfigPanel;
class ModelSummaryView;
class FirstRunDialog;
class InsideView;
class CurvesView;
class LrFinderDialog;
class ReportDialog;
class PredictPanel;
class MetricsChart;
class MistakesView;
class RunCommands;
class RunsPanel;
class TrainingController;
class TrainingStatus;

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    // Opens (or creates) the run store in `storeDir`; throws StoreError when it cannot.
    explicit MainWindow(const QString &storeDir, QWidget *parent = nullptr);
    ~MainWindow() override;

    TrainingController *controller() const { return m_controller; }
    ConfigPanel *configPanel() const { return m_config; }
    ModelSummaryView *modelSummary() const { return m_summary; }
    RunsPanel *runsPanel() const { return m_runs; }
    MetricsChart *lossChart() const;
    MetricsChart *accuracyChart() const;
    MistakesView *mistakesView() const { return m_mistakes; }

    // Records the form's experiment as a new queued run and queues it for training; returns its id
    // (-1 when the form is invalid).
    qint64 queueExperiment();
    // Writes both charts as BASE-loss.EXT and BASE-accuracy.EXT (png, svg or pdf) and returns the
    // files written; when `basePath` is empty, opens a file dialog and writes when it is answered.
    QStringList exportCharts(const QString &basePath = {});
    // Queues the form's experiment with BatchNorm, GroupNorm and LayerNorm (without affine, as the
    // reference), `seeds` times each, and opens the comparison. Returns the runs queued.
    QList<qint64> compareNormalizations(int seeds);
    ComparisonView *comparisonView() const { return m_comparison; }
    InsideView *insideView() const { return m_inside; }
    TrainingStatus *trainingStatus() const { return m_status; }
    void setGroupSeeds(bool on);

    // The runs table's actions on a run (tag, note, resume, delete).
    RunCommands *runCommands() const { return m_runCommands; }
    AugmentPreview *augmentPreview() const { return m_preview; }

    // Opens the dataset dialog (download CIFAR-10, choose a folder, or synthetic data); the
    // choice becomes the experiment's dataset. On the first start it opens by itself.
    FirstRunDialog *offerDatasets();
    void setDataSource(const QString &source);
    // Run -> Find Learning Rate: the range test on the form's experiment (window-modal).
    LrFinderDialog *findLearningRate();
    // File -> Predict Images: the user's pictures through a recorded run (the selected or first
    // checked one); `files` are added to the panel.
    PredictPanel *predictImages(const QStringList &files = {});
    // File -> Export Report, for `runs` (empty: the checked runs), in id order.
    ReportDialog *exportReport(QList<qint64> runs = {});

protected:
    void closeEvent(QCloseEvent *event) override;
    // Image files dropped on the window open them in Predict Images.
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    // The constructor's steps, in order.
    void buildTabs();
    void buildLayout();
    void buildActions();
    void connectTraining();
    void connectRuns();
    void connectExperiment();
    void restoreSettings();
    void onRunStarted(qint64 runId, int epochs, int resumedFrom, qint64 parameters,
                      const QString &description);
    void onBatch(qint64 runId, const BatchProgress &p);
    void onEpoch(qint64 runId, const EpochMetrics &m);
    void onRunFinished(qint64 runId, RunState state, const QString &message);
    void syncCheckedRuns();
    void refreshRuns();
    // Re-reads the runs when another process changed the store (polled).
    void checkStoreChanged();
    void refreshMistakes();
    void updateActions();
    void loadConfigFile();
    void saveConfigFile();
    void exportChartData();

    std::unique_ptr<RunStore> m_store; // the GUI thread's connection; the worker has its own
    TrainingController *m_controller;
    ConfigPanel *m_config;
    ModelSummaryView *m_summary;
    CurvesView *m_curves;
    RunsPanel *m_runs;
    RunCommands *m_runCommands;
    MistakesView *m_mistakes;
    ComparisonView *m_comparison;
    InsideView *m_inside;
    AugmentPreview *m_preview;
    qint64 m_mistakesStale = -1; // a run whose mistakes view is out of date
    // What the store looked like at the last look: other processes (a CLI run, a `store merge`
    // of a cluster sweep) add and change runs too.
    std::string m_storeStamp;
    bool m_quitConfirmed = false; // the user agreed to stop the training run and quit
    class QTabWidget *m_tabs;
    TrainingStatus *m_status;
    QLineEdit *m_runName;
    QAction *m_startAction;
    QAction *m_pauseAction;
    QAction *m_stopAction;
    QAction *m_compareAction;
    QAction *m_lrFinderAction;
    LrFinderDialog *m_lrFinder = nullptr;
    QAction *m_reportAction;
    ReportDialog *m_report = nullptr;
    PredictPanel *m_predict = nullptr;
    QAction *m_quitAction;
};

} // namespace normlab::gui
