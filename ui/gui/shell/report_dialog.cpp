#include "report_dialog.h"

#include "async_dialogs.h"
#include "report_controller.h"
#include "run_store.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDesktopServices>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QUrl>
#include <QVBoxLayout>

namespace normlab::gui {

namespace {

constexpr int kDefaultMistakes = 32;
constexpr int kMaxMistakes = 1000;
constexpr int kRunsListed = 6; // then "and N more"

QString runCount(qsizetype n)
{
    return n == 1 ? ReportDialog::tr("1 run") : ReportDialog::tr("%1 runs").arg(n);
}

} // namespace

ReportDialog::ReportDialog(const RunStore &store, QWidget *parent)
    : QDialog(parent), m_store(store)
{
    setWindowTitle(tr("Export Report"));
    m_controller = new ReportController(this);
    m_runsLabel = new QLabel(this);
    m_runsLabel->setWordWrap(true);
    m_title = new QLineEdit(this);
    m_title->setPlaceholderText(tr("From the runs' normalizations"));
    m_format = new QComboBox(this);
    m_format->addItem(tr("HTML: one self-contained file"));
    m_format->addItem(tr("Markdown with a folder of PNGs"));
    m_mistakes = new QSpinBox(this);
    m_mistakes->setRange(0, kMaxMistakes);
    m_mistakes->setValue(kDefaultMistakes);
    m_mistakes->setSpecialValueText(tr("none"));
    m_mistakes->setSuffix(tr(" per run"));
    m_gradCam = new QCheckBox(tr("Grad-CAM heat maps over the mistakes (from each run's last "
                                 "checkpoint)"),
                              this);
    m_path = new QLineEdit(QDir::home().filePath("normlab-report.html"), this);
    m_choose = new QPushButton(tr("Choose…"), this);
    m_export = new QPushButton(tr("&Export"), this);
    m_export->setDefault(true);
    m_open = new QPushButton(tr("&Open Report"), this);
    m_open->setEnabled(false);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *explain = new QLabel(
            tr("The models, the results table, the curves overlaid, per-class accuracy, the "
               "confusion matrices, the misclassified images, a generated conclusion and each "
               "run's config."),
            this);
    explain->setWordWrap(true);
    auto *file = new QHBoxLayout;
    file->addWidget(m_path, 1);
    file->addWidget(m_choose);
    auto *form = new QFormLayout;
    form->addRow(tr("Title"), m_title);
    form->addRow(tr("Format"), m_format);
    form->addRow(tr("Mistakes shown"), m_mistakes);
    form->addRow(QString(), m_gradCam);
    form->addRow(tr("Save as"), file);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_export);
    buttons->addWidget(m_open);
    buttons->addStretch(1);
    auto *close = new QPushButton(tr("Close"), this);
    buttons->addWidget(close);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_runsLabel);
    layout->addWidget(explain);
    layout->addLayout(form);
    layout->addWidget(m_status);
    layout->addStretch(1);
    layout->addLayout(buttons);
    resize(620, 340);

    connect(m_format, &QComboBox::currentIndexChanged, this, [this] { matchSuffixToFormat(); });
    connect(m_mistakes, &QSpinBox::valueChanged, this,
            [this](int n) { m_gradCam->setEnabled(n > 0 && !m_controller->isRunning()); });
    connect(m_choose, &QPushButton::clicked, this, [this] {
        const bool md = m_format->currentIndex() == 1;
        chooseFileToSave(this, tr("Export Report"), m_path->text(),
                         md ? tr("Markdown (*.md)") : tr("HTML (*.html)"),
                         [this](const QString &path) { setPath(path); });
    });
    connect(m_export, &QPushButton::clicked, this, &ReportDialog::start);
    connect(m_open, &QPushButton::clicked, this, [this] {
        if (!m_written.isEmpty())
            QDesktopServices::openUrl(QUrl::fromLocalFile(m_written));
    });
    connect(close, &QPushButton::clicked, this, &QDialog::close);
    connect(m_controller, &ReportController::finished, this, &ReportDialog::finish);
    connect(m_controller, &ReportController::failed, this, &ReportDialog::fail);
}

void ReportDialog::setRuns(const QList<qint64> &runs)
{
    m_runs = runs;
    QStringList names;
    for (const qint64 id : runs) {
        if (names.size() == kRunsListed) {
            names.append(tr("and %1 more").arg(runs.size() - kRunsListed));
            break;
        }
        QString name;
        try {
            name = QString::fromStdString(m_store.run(id).name);
        } catch (const std::exception &) {
            name = tr("(deleted)");
        }
        names.append(QString("#%1 %2").arg(id).arg(name));
    }
    m_runsLabel->setText(runs.isEmpty() ? tr("No runs: check the runs to report in the runs table.")
                                        : QString("<b>%1:</b> %2")
                                                  .arg(runCount(runs.size()),
                                                       names.join(", ").toHtmlEscaped()));
    m_export->setEnabled(!runs.isEmpty() && !m_controller->isRunning());
    m_status->clear();
    m_open->setEnabled(false);
}

void ReportDialog::setPath(const QString &path)
{
    m_path->setText(path);
    if (path.endsWith(".md", Qt::CaseInsensitive))
        m_format->setCurrentIndex(1);
    else if (path.endsWith(".html", Qt::CaseInsensitive) ||
             path.endsWith(".htm", Qt::CaseInsensitive))
        m_format->setCurrentIndex(0);
    matchSuffixToFormat();
}

QString ReportDialog::path() const
{
    return m_path->text().trimmed();
}

void ReportDialog::setMarkdown(bool markdown)
{
    m_format->setCurrentIndex(markdown ? 1 : 0);
}

void ReportDialog::setGradCam(bool on)
{
    m_gradCam->setChecked(on);
}

QString ReportDialog::statusText() const
{
    return m_status->text();
}

void ReportDialog::matchSuffixToFormat()
{
    const QString suffix = m_format->currentIndex() == 1 ? "md" : "html";
    const QFileInfo info(path());
    if (path().isEmpty() || info.suffix() == suffix)
        return;
    const QString base = info.suffix().isEmpty() || (info.suffix() != "md" &&
                                                      info.suffix() != "html")
                                 ? path()
                                 : info.path() + '/' + info.completeBaseName();
    m_path->setText(base + '.' + suffix);
}

void ReportDialog::start()
{
    if (m_controller->isRunning() || m_runs.isEmpty())
        return;
    const QString target = path();
    if (target.isEmpty() || QFileInfo(target).isDir()) {
        fail(tr("Choose a file to save the report as."));
        return;
    }
    ReportJob job;
    job.storeDir = QString::fromStdString(m_store.dir());
    for (const qint64 id : m_runs)
        job.options.runs.push_back(id);
    job.options.title = m_title->text().trimmed().toStdString();
    job.options.mistakesPerRun = m_mistakes->value();
    job.options.gradCam = m_gradCam->isChecked() && m_mistakes->value() > 0;
    job.path = QFileInfo(target).absoluteFilePath();
    job.markdown = m_format->currentIndex() == 1;
    if (!QDir().mkpath(QFileInfo(job.path).absolutePath())) {
        fail(tr("%1: the folder cannot be created.").arg(QFileInfo(job.path).absolutePath()));
        return;
    }
    m_written.clear();
    m_open->setEnabled(false);
    m_status->setStyleSheet({});
    m_status->setText(tr("Writing the report of %1…").arg(runCount(m_runs.size())));
    setRunning(true);
    m_controller->start(job);
}

void ReportDialog::finish(const QString &path, const QStringList &warnings)
{
    setRunning(false);
    m_written = path;
    m_open->setEnabled(true);
    QString text = tr("Written to %1").arg(QDir::toNativeSeparators(path));
    if (!warnings.isEmpty())
        text += "\n" + tr("Left out: %1").arg(warnings.join("\n"));
    m_status->setText(text);
}

void ReportDialog::fail(const QString &message)
{
    setRunning(false);
    m_status->setStyleSheet("color: #b00020;");
    m_status->setText(tr("The report was not written: %1").arg(message));
}

void ReportDialog::setRunning(bool running)
{
    for (QWidget *w : std::initializer_list<QWidget *> {m_title, m_format, m_mistakes, m_path,
                                                        m_choose})
        w->setEnabled(!running);
    m_gradCam->setEnabled(!running && m_mistakes->value() > 0);
    m_export->setEnabled(!running && !m_runs.isEmpty());
}

} // namespace normlab::gui
