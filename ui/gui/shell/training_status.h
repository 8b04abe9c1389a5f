// The status bar's view of the run in training: epoch and batch progress bars with ETA, images/s,
// the current loss, and what the process costs (CPU cores busy, resident memory) every 2 s.
#pragma once

#include "gui_types.h"

#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>

class QLabel;
class QProgressBar;

namespace normlab::gui {

class TrainingStatus : public QWidget
{
    Q_OBJECT

public:
    explicit TrainingStatus(QWidget *parent = nullptr);

    void runStarted(qint64 runId, int epochs, int resumedFrom);
    void batchDone(const BatchProgress &progress);
    void runFinished(const QString &text);
    // A paused run says so here (the toolbar's checked Pause button was all that did), greys its
    // bars, and its ETA leaves the paused time out.
    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }
    QString text() const;

private:
    QLabel *m_run;
    QProgressBar *m_epochs;
    QProgressBar *m_batches;
    QLabel *m_rate;
    QLabel *m_resources;
    QTimer m_resourceTimer;
    double m_lastCpu = 0, m_lastWall = 0;
    int m_totalEpochs = 0;
    int m_resumedFrom = 0;
    qint64 m_runId = 0;
    QElapsedTimer m_clock;
    QElapsedTimer m_pauseClock;
    qint64 m_pausedMs = 0; // this session's time paused, for the ETA
    bool m_paused = false;
    QString m_progressText; // the rate line the pause replaces
};

} // namespace normlab::gui
