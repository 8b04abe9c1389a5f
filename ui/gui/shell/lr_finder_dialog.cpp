#include "lr_finder_dialog.h"

#include "errors.h"
#include "lr_range_controller.h"
#include "lr_range_plot.h"
#include "lr_test_record.h"
#include "number_edit.h"
#include "run_store.h"


#include <QCloseEvent>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace normlab::gui {

LrFinderDialog::LrFinderDialog(RunStore &store, QWidget *parent) : QDialog(parent), m_store(store)
{
    setWindowTitle(tr("Find Learning Rate"));
    m_controller = new LrRangeController(this);
    m_plot = new LrRangePlot(this);
    const LrRangeTestOptions defaults;
    m_startLr = new NumberEdit(this);
    m_startLr->setValue(defaults.startLr);
    m_endLr = new NumberEdit(this);
    m_endLr->setValue(defaults.endLr);
    m_iterations = new QSpinBox(this);
    m_iterations->setRange(2, 100'000);
    m_iterations->setValue(defaults.iterations);
    m_run = new QPushButton(tr("&Start"), this);
    m_use = new QPushButton(this);
    m_use->setEnabled(false);
    m_use->setText(tr("&Use for OneCycle"));
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *explain = new QLabel(
            tr("Trains the experiment from its starting weights while the learning rate grows "
               "exponentially from the first value to the last, and plots the loss. The weights "
               "are put back afterwards: nothing is recorded as a run."),
            this);
    explain->setWordWrap(true);
    auto *form = new QFormLayout;
    auto *range = new QHBoxLayout;
    range->addWidget(m_startLr);
    range->addWidget(new QLabel(tr("to"), this));
    range->addWidget(m_endLr);
    form->addRow(tr("Learning rate from"), range);
    form->addRow(tr("Batches"), m_iterations);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_run);
    buttons->addStretch(1);
    buttons->addWidget(m_use);
    auto *close = new QPushButton(tr("Close"), this);
    buttons->addWidget(close);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(explain);
    layout->addLayout(form);
    layout->addWidget(m_plot, 1);
    layout->addWidget(m_status);
    layout->addLayout(buttons);
    resize(720, 560);

    connect(m_run, &QPushButton::clicked, this, [this] {
        if (m_controller->isRunning())
            m_controller->stop();
        else
            start();
    });
    connect(m_use, &QPushButton::clicked, this, [this] {
        if (m_suggestion)
            Q_EMIT maxLrChosen(*m_suggestion);
    });
    connect(close, &QPushButton::clicked, this, &QDialog::close);
    connect(m_controller, &LrRangeController::point, this,
            [this](int, const LrRangePoint &p) { m_plot->addPoint(p); });
    connect(m_controller, &LrRangeController::finished, this, &LrFinderDialog::finish);
    connect(m_controller, &LrRangeController::failed, this, &LrFinderDialog::fail);
}

void LrFinderDialog::setConfig(const ExperimentConfig &config)
{
    m_config = config;
}

QString LrFinderDialog::statusText() const
{
    return m_status->text();
}

void LrFinderDialog::start()
{
    LrRangeTestOptions options;
    options.startLr = m_startLr->value().value_or(0);
    options.endLr = m_endLr->value().value_or(0);
    options.iterations = m_iterations->value();
    try {
        validate(options);
    } catch (const ConfigError &e) {
        fail(QString::fromUtf8(e.what()));
        return;
    }
    m_options = options;
    m_suggestion.reset();
    m_use->setEnabled(false);
    m_use->setText(tr("&Use for OneCycle"));
    m_plot->clear();
    m_status->setStyleSheet({});
    m_status->setText(tr("Loading the data and testing %1 batches…").arg(options.iterations));
    setRunning(true);
    m_controller->start(m_config, options);
}

void LrFinderDialog::setRunning(bool running)
{
    m_run->setText(running ? tr("&Stop") : tr("&Start"));
    for (QWidget *w : std::initializer_list<QWidget *> {m_startLr, m_endLr, m_iterations})
        w->setEnabled(!running);
}

void LrFinderDialog::finish(const LrRangeResult &result)
{
    setRunning(false);
    m_plot->setSuggestion(result.suggestedLr);
    m_suggestion = result.suggestedLr;
    QString text;
    if (result.stopped)
        text = tr("Stopped after %1 batches. ").arg(result.points.size());
    else if (result.diverged)
        text = tr("The loss diverged after %1 batches. ").arg(result.points.size());
    if (result.suggestedLr) {
        text += tr("Suggested maximum learning rate: %1 (%2).")
                        .arg(*result.suggestedLr, 0, 'g', 3)
                        .arg(QString::fromUtf8(kLrSuggestionRule));
        m_use->setText(tr("&Use %1 for OneCycle").arg(*result.suggestedLr, 0, 'g', 3));
        m_use->setEnabled(true);
    } else {
        text += tr("No suggestion: too few batches before the loss diverged (try a lower last "
                   "rate or more batches).");
    }
    try {
        const std::int64_t id = recordLrTest(m_store, 0, m_config, m_options, result);
        text += " " + tr("Recorded as test %1 in the store.").arg(id);
    } catch (const StoreError &e) {
        text += " " + tr("Not recorded: %1").arg(QString::fromUtf8(e.what()));
    }
    m_status->setText(text);
}

void LrFinderDialog::fail(const QString &message)
{
    setRunning(false);
    m_status->setStyleSheet("color: #d03030;");
    m_status->setText(message);
}

// Closing stops a running test; the controller's thread ends with the dialog.
void LrFinderDialog::closeEvent(QCloseEvent *event)
{
    m_controller->stop();
    QDialog::closeEvent(event);
}

} // namespace normlab::gui
