// The status bar's view of the run in training: epoch and batch progress bars with ETA, images/s
// and the current loss.
#pragma once

#include "gui_types.h"

#include <QElapsedTimer>
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

private:
    QLabel *m_run;
    QProgressBar *m_epochs;
    QProgressBar *m_batches;
    QLabel *m_rate;
    int m_totalEpochs = 0;
    int m_resumedFrom = 0;
    QElapsedTimer m_clock;
};

} // namespace normlab::gui
