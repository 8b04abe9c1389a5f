#include "training_status.h"

#include "durations.h"
#include "process_stats.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>

#include <algorithm>

namespace normlab::gui {

namespace {

constexpr int kEpochSteps = 1000; // the epoch bar's resolution within an epoch

} // namespace

TrainingStatus::TrainingStatus(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_run = new QLabel(tr("Idle"), this);
    m_epochs = new QProgressBar(this);

    m_epochs->setMaximumWidth(220);
    m_batches = new QProgressBar(this);
    m_batches->setFormat(tr("batch %v/%m"));
    m_batches->setMaximumWidth(220);
    m_rate = new QLabel(this);
    m_resources = new QLabel(this);
    m_resources->setToolTip(tr("This process: CPU cores busy over the last 2 s, resident memory"));
    layout->addWidget(m_run);
    layout->addWidget(m_epochs);
    layout->addWidget(m_batches);
    layout->addWidget(m_rate, 1);
    layout->addWidget(m_resources);
    // The GUI process is the one that trains: its own figures are the run's.
    m_resourceTimer.setInterval(2000);
    connect(&m_resourceTimer, &QTimer::timeout, this, [this] {
        const double cpu = processCpuSeconds(), wall = unixTime();
        if (m_lastWall > 0 && wall > m_lastWall)
            m_resources->setText(
                    tr("CPU %1 cores · %2")
                            .arg((cpu - m_lastCpu) / (wall - m_lastWall), 0, 'f', 1)
                            .arg(QString::fromStdString(formatMegabytes(processResidentBytes()))));
        m_lastCpu = cpu;
        m_lastWall = wall;
    });
    m_epochs->hide();
    m_batches->hide();
}

void TrainingStatus::runStarted(qint64 runId, int epochs, int resumedFrom)
{
    m_totalEpochs = epochs;
    m_resumedFrom = resumedFrom;
    m_runId = runId;
    m_paused = false;
    m_pausedMs = 0;
    m_epochs->setEnabled(true);
    m_batches->setEnabled(true);
    m_run->setText(tr("Run %1").arg(runId));
    // The bar fills through the epochs; its text counts from 1, as the CLI does.
    m_epochs->setRange(0, epochs * kEpochSteps);
    m_epochs->setValue(resumedFrom * kEpochSteps);
    m_epochs->setFormat(tr("epoch %1/%2").arg(std::min(resumedFrom + 1, epochs)).arg(epochs));
    m_lastWall = 0;
    m_resourceTimer.start();
    m_batches->setValue(0);
    m_epochs->show();
    m_batches->show();
    m_rate->setText(tr("loading data…"));
    m_clock.start();
}

void TrainingStatus::batchDone(const BatchProgress &p)
{
    m_epochs->setValue((p.epoch - 1) * kEpochSteps +
                       p.batch * kEpochSteps / std::max(p.batches, 1));
    m_epochs->setFormat(tr("epoch %1/%2").arg(p.epoch).arg(m_totalEpochs));
    m_batches->setRange(0, p.batches);
    m_batches->setValue(p.batch);
    // ETA from this session's pace: batches left over batches done per second.
    const double done = (p.epoch - 1 - m_resumedFrom) * static_cast<double>(p.batches) + p.batch;
    const double left = (m_totalEpochs - p.epoch + 1) * static_cast<double>(p.batches) - p.batch;
    const double elapsed = static_cast<double>(m_clock.elapsed() - m_pausedMs) / 1000.0;
    const QString eta =
            done > 0 ? QString::fromStdString(formatDuration(elapsed / done * left)) : QString("–");
    m_progressText = tr("%1 img/s   loss %2   lr %3   ETA %4")
                             .arg(p.imagesPerSecond, 0, 'f', 0)
                             .arg(p.runningLoss, 0, 'f', 4)
                             .arg(p.lr, 0, 'g', 4)
                             .arg(eta);
    if (!m_paused)
        m_rate->setText(m_progressText);
}

void TrainingStatus::setPaused(bool paused)
{
    if (paused == m_paused || m_runId == 0)
        return;
    m_paused = paused;
    m_epochs->setEnabled(!paused);
    m_batches->setEnabled(!paused);
    if (paused) {
        m_pauseClock.start();
        m_run->setText(tr("Run %1 paused").arg(m_runId));
        m_rate->setText(tr("Paused after the current batch: Run → Pause (Ctrl+P) continues"));
    } else {
        m_pausedMs += m_pauseClock.elapsed();
        m_run->setText(tr("Run %1").arg(m_runId));
        m_rate->setText(m_progressText);
    }
}

QString TrainingStatus::text() const
{
    return m_run->text() + "  " + m_rate->text();
}

void TrainingStatus::runFinished(const QString &text)
{
    m_runId = 0;
    m_paused = false;
    m_epochs->hide();
    m_batches->hide();
    m_run->setText(text);
    m_rate->clear();
    m_resourceTimer.stop();
    m_resources->clear();
}

} // namespace normlab::gui
