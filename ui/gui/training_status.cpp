#include "training_status.h"

#include "seed_groups.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>

namespace normlab::gui {

TrainingStatus::TrainingStatus(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_run = new QLabel(tr("Idle"), this);
    m_epochs = new QProgressBar(this);
    m_epochs->setFormat(tr("epoch %v/%m"));
    m_epochs->setMaximumWidth(220);
    m_batches = new QProgressBar(this);
    m_batches->setFormat(tr("batch %v/%m"));
    m_batches->setMaximumWidth(220);
    m_rate = new QLabel(this);
    layout->addWidget(m_run);
    layout->addWidget(m_epochs);
    layout->addWidget(m_batches);
    layout->addWidget(m_rate, 1);
    m_epochs->hide();
    m_batches->hide();
}

void TrainingStatus::runStarted(qint64 runId, int epochs, int resumedFrom)
{
    m_totalEpochs = epochs;
    m_resumedFrom = resumedFrom;
    m_run->setText(tr("Run %1").arg(runId));
    m_epochs->setRange(0, epochs);
    m_epochs->setValue(resumedFrom);
    m_batches->setValue(0);
    m_epochs->show();
    m_batches->show();
    m_rate->setText(tr("loading data…"));
    m_clock.start();
}

void TrainingStatus::batchDone(const BatchProgress &p)
{
    m_epochs->setValue(p.epoch - 1);
    m_batches->setRange(0, p.batches);
    m_batches->setValue(p.batch);
    // ETA from this session's pace: batches left over batches done per second.
    const double done = (p.epoch - 1 - m_resumedFrom) * static_cast<double>(p.batches) + p.batch;
    const double left = (m_totalEpochs - p.epoch + 1) * static_cast<double>(p.batches) - p.batch;
    const double elapsed = m_clock.elapsed() / 1000.0;
    const QString eta = done > 0 ? clockText(elapsed / done * left) : QString("–");
    m_rate->setText(tr("%1 img/s   loss %2   lr %3   ETA %4")
                            .arg(p.imagesPerSecond, 0, 'f', 0)
                            .arg(p.runningLoss, 0, 'f', 4)
                            .arg(p.lr, 0, 'g', 4)
                            .arg(eta));
}

void TrainingStatus::runFinished(const QString &text)
{
    m_epochs->hide();
    m_batches->hide();
    m_run->setText(text);
    m_rate->clear();
}

} // namespace normlab::gui
