// Run -> Find Learning Rate: the range test on the form's experiment, its curve drawn as it runs,
// the suggestion, and a button that sets the experiment's schedule to OneCycle with it. The test
// runs on its own thread (LrRangeController) and is recorded in the run store.
#pragma once

#include "config.h"
#include "lr_range_test.h"

#include <QDialog>

#include <optional>

class QLabel;
class QPushButton;
class QSpinBox;

namespace normlab {
class RunStore;
}

namespace normlab::gui {

class LrRangeController;
class LrRangePlot;
class NumberEdit;

class LrFinderDialog : public QDialog
{
    Q_OBJECT

public:
    LrFinderDialog(RunStore &store, QWidget *parent = nullptr);

    // The experiment to test (the form's).
    void setConfig(const ExperimentConfig &config);
    LrRangePlot *plot() const { return m_plot; }
    LrRangeController *controller() const { return m_controller; }
    std::optional<double> suggestion() const { return m_suggestion; }
    QString statusText() const;
    // Starts the test (the Start button).
    void start();

Q_SIGNALS:
    // "Use for OneCycle": the schedule's peak learning rate.
    void maxLrChosen(double lr);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void finish(const LrRangeResult &result);
    void fail(const QString &message);
    void setRunning(bool running);

    RunStore &m_store;
    ExperimentConfig m_config;
    LrRangeTestOptions m_options; // of the test running or last run
    LrRangeController *m_controller;
    LrRangePlot *m_plot;
    NumberEdit *m_startLr;
    NumberEdit *m_endLr;
    QSpinBox *m_iterations;
    QPushButton *m_run;
    QPushButton *m_use;
    QLabel *m_status;
    std::optional<double> m_suggestion;
};

} // namespace normlab::gui
