#include "first_run_dialog.h"

#include "settings_keys.h"

#include "cifar_binary.h"
#include "dataset.h"
#include "download_controller.h"
#include "errors.h"
#include "paths.h"

#include <QCommandLinkButton>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QUrl>
#include <QVBoxLayout>

namespace normlab::gui {

namespace {

const char *const kChosenKey = settings::kFirstRunDone;
const char *const kLastFolderKey = settings::kLastFolderParent;

QString megabytes(qint64 bytes)
{
    return QLocale().toString(bytes / 1e6, 'f', bytes < 10'000'000 ? 1 : 0) + " MB";
}

} // namespace

FirstRunDialog::FirstRunDialog(const QString &dataDir, const DownloadSpec &spec, QWidget *parent)
    : QDialog(parent), m_dataDir(dataDir), m_spec(spec), m_download(new DownloadController(this))
{
    setWindowTitle(tr("Welcome to NormLab"));
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(
            tr("<h3>Where should the training images come from?</h3>"
               "NormLab trains on CIFAR-10: 60,000 small colour images in ten classes. "
               "You can change this later for each experiment (Data, in the form on the left)."),
            this);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    m_downloadButton = new QCommandLinkButton(tr("Download CIFAR-10"), this);
    m_folderButton = new QCommandLinkButton(
            tr("Use a folder I already have"),
            tr("The official binary files (data_batch_1.bin … test_batch.bin), or image folders "
               "train/<class>/ and test/<class>/."),
            this);
    m_syntheticButton = new QCommandLinkButton(
            tr("Start now with the built-in synthetic dataset"),
            tr("Generated images in ten classes, nothing to download: a first run trains in a "
               "minute."),
            this);
    for (QCommandLinkButton *b : {m_downloadButton, m_folderButton, m_syntheticButton})
        layout->addWidget(b);

    m_progress = new QProgressBar(this);
    m_progress->setTextVisible(true);
    m_status = new QLabel(this);
    m_cancel = new QPushButton(tr("Cancel Download"), this);
    m_cancel->setAutoDefault(false);
    auto *downloadRow = new QHBoxLayout;
    downloadRow->addWidget(m_progress, 1);
    downloadRow->addWidget(m_cancel);
    layout->addLayout(downloadRow);
    layout->addWidget(m_status);
    m_error = new QLabel(this);
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_error);
    layout->addStretch(1);
    // Deciding later is a choice too: the dialog comes back at the next start.
    auto *buttons = new QDialogButtonBox(this);
    buttons->addButton(tr("Decide Later"), QDialogButtonBox::RejectRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &FirstRunDialog::reject);
    layout->addWidget(buttons);
    for (QWidget *w : {static_cast<QWidget *>(m_progress), static_cast<QWidget *>(m_cancel),
                       static_cast<QWidget *>(m_status), static_cast<QWidget *>(m_error)})
        w->hide();

    connect(m_downloadButton, &QCommandLinkButton::clicked, this, &FirstRunDialog::startDownload);
    connect(m_folderButton, &QCommandLinkButton::clicked, this, &FirstRunDialog::chooseFolder);
    connect(m_syntheticButton, &QCommandLinkButton::clicked, this, &FirstRunDialog::useSynthetic);
    connect(m_cancel, &QPushButton::clicked, this, &FirstRunDialog::cancelDownload);
    connect(m_download, &DownloadController::progress, this, &FirstRunDialog::onProgress);
    connect(m_download, &DownloadController::unpacking, this, [this] {
        m_unpacking = true;
        m_status->setText(tr("Checking the checksum and unpacking…"));
    });
    connect(m_download, &DownloadController::finished, this, &FirstRunDialog::onFinished);
    updateDownloadButton();
    resize(560, sizeHint().height());
}

FirstRunDialog::~FirstRunDialog() = default;

bool FirstRunDialog::needed()
{
    return !QSettings().value(kChosenKey, false).toBool() && !looksLikeCifarBinary(cifar10Dir());
}

void FirstRunDialog::setChosen()
{
    QSettings().setValue(kChosenKey, true);
}

QString FirstRunDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

bool FirstRunDialog::downloading() const
{
    return m_download->running();
}

void FirstRunDialog::updateDownloadButton()
{
    const qint64 partial = partialDownloadBytes(cifar10ArchivePath(m_dataDir.toStdString()));
    const QString where = QDir::toNativeSeparators(m_dataDir);
    if (partial > 0 && m_spec.size > 0) {
        m_downloadButton->setText(tr("Resume the CIFAR-10 download"));
        m_downloadButton->setDescription(
                tr("%1 of %2 are already here; the rest comes from where it stopped. Checked "
                   "against the official MD5 checksum, kept in %3.")
                        .arg(megabytes(partial), megabytes(m_spec.size), where));
    } else {
        m_downloadButton->setText(tr("Download CIFAR-10"));
        const QString host = QUrl(QString::fromStdString(m_spec.url)).host();
        m_downloadButton->setDescription(
                tr("%1 from %2, checked against the official MD5 checksum, kept in %3. An "
                   "interrupted download resumes where it stopped.")
                        .arg(m_spec.size > 0 ? megabytes(m_spec.size) : tr("The archive"),
                             host == "www.cs.toronto.edu" ? tr("the University of Toronto") : host,
                             where));
    }
}

void FirstRunDialog::startDownload()
{
    if (m_download->running())
        return;
    m_error->hide();
    m_unpacking = false;
    m_startBytes = partialDownloadBytes(cifar10ArchivePath(m_dataDir.toStdString()));
    m_clock.start();
    for (QCommandLinkButton *b : {m_downloadButton, m_folderButton, m_syntheticButton})
        b->setEnabled(false);
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_progress->show();
    m_cancel->show();
    m_status->setText(tr("Connecting…"));
    m_status->show();
    QDir().mkpath(m_dataDir);
    m_download->start(m_dataDir, m_spec);
}

void FirstRunDialog::cancelDownload()
{
    m_download->cancel();
    m_cancel->setEnabled(false);
    m_status->setText(tr("Cancelling…"));
}

void FirstRunDialog::onProgress(qint64 received, qint64 total)
{
    if (total <= 0)
        total = m_spec.size;
    if (total > 0)
        m_progress->setValue(static_cast<int>(1000 * received / total));
    const double seconds = m_clock.elapsed() / 1000.0;
    const double rate = seconds > 0.5 ? (received - m_startBytes) / seconds : 0;
    QString text = total > 0 ? tr("%1 of %2").arg(megabytes(received), megabytes(total))
                             : megabytes(received);
    if (rate > 0)
        text += tr(" (%1/s)").arg(megabytes(static_cast<qint64>(rate)));
    if (!m_unpacking)
        m_status->setText(text);
}

void FirstRunDialog::onFinished(bool ok, const QString &result)
{
    m_unpacking = false;
    m_cancel->hide();
    m_cancel->setEnabled(true);
    for (QCommandLinkButton *b : {m_downloadButton, m_folderButton, m_syntheticButton})
        b->setEnabled(true);
    if (ok) {
        m_status->setText(tr("CIFAR-10 is ready: %1").arg(QDir::toNativeSeparators(result)));
        // The data folder is what data source "cifar10" means; anywhere else, the folder itself.
        const bool standard = QDir(result) == QDir(QString::fromStdString(cifar10Dir()));
        finish(standard ? QStringLiteral("cifar10") : result);
        return;
    }
    m_progress->hide();
    m_status->hide();
    updateDownloadButton();
    showError(result);
}

void FirstRunDialog::showError(const QString &message)
{
    m_error->setText(message);
    m_error->show();
}

void FirstRunDialog::chooseFolder()
{
    // open(), not exec(): no nested event loop.
    // Where the last folder was found, else Downloads (where an archive usually lands).
    QString start = QSettings().value(kLastFolderKey).toString();
    if (start.isEmpty() || !QDir(start).exists())
        start = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation);
    if (!QDir(start).exists())
        start = QDir::homePath();
    auto *dialog = new QFileDialog(this, tr("Folder with CIFAR-10"), start);
    dialog->setFileMode(QFileDialog::Directory);
    dialog->setOption(QFileDialog::ShowDirsOnly);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QFileDialog::fileSelected, this,
            [this](const QString &folder) { useFolder(folder); });
    dialog->open();
}

bool FirstRunDialog::useFolder(const QString &folder)
{
    // The folder the archive was unpacked into will do: the loader looks into its
    // cifar-10-batches-bin.
    const QString path = QDir::cleanPath(folder);
    try {
        m_found = QString::fromStdString(describeDataFolder(path.toStdString()).text());
    } catch (const DataError &e) {
        showError(tr("%1. Choose another folder.").arg(QString::fromUtf8(e.what())));
        return false;
    }
    QSettings().setValue(kLastFolderKey, QFileInfo(path).absolutePath());
    finish(path);
    return true;
}

void FirstRunDialog::useSynthetic()
{
    finish(QStringLiteral("synthetic"));
}

void FirstRunDialog::reject()
{
    if (m_download->running())
        m_download->cancel();
    QDialog::reject();
}

void FirstRunDialog::finish(const QString &source)
{
    m_source = source;
    setChosen();
    accept();
}

} // namespace normlab::gui
