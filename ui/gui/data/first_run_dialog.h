// The first start without a dataset: download CIFAR-10 (size shown, progress, cancel, checksum
// verified, resumed after an interruption), use a folder the user already has, or start at once
// with the built-in synthetic dataset. Also opened from File -> Get CIFAR-10.
#pragma once

#include "download.h"

#include <QDialog>
#include <QElapsedTimer>

class QCommandLinkButton;
class QLabel;
class QProgressBar;
class QPushButton;

namespace normlab::gui {

class DownloadController;

class FirstRunDialog : public QDialog
{
    Q_OBJECT

public:
    // `dataDir`: where CIFAR-10 goes (NormLab's data folder); `spec`: the archive to fetch.
    explicit FirstRunDialog(const QString &dataDir, const DownloadSpec &spec = cifar10Archive(),
                            QWidget *parent = nullptr);
    ~FirstRunDialog() override;

    // True on a start where no CIFAR-10 is in the data folder and no choice was made before.
    static bool needed();
    // Remembers that the user chose, so that the dialog is not offered again.
    static void setChosen();

    // After accept(): "synthetic", "cifar10" (the data folder) or a folder path.
    QString dataSource() const { return m_source; }
    // For a chosen folder, what it holds ("image folders: 50,000 training and ..."), else empty.
    QString foundText() const { return m_found; }
    QString errorText() const;
    bool downloading() const;

    void startDownload();
    void cancelDownload();
    // Accepts `folder` if it holds CIFAR-10's binary files or train/ and test/ image folders.
    bool useFolder(const QString &folder);
    void useSynthetic();

    // Closing the dialog cancels a download (it resumes next time).
    void reject() override;

private:
    void chooseFolder();
    void onProgress(qint64 received, qint64 total);
    void onFinished(bool ok, const QString &result);
    void showError(const QString &message);
    void updateDownloadButton();
    void finish(const QString &source);

    QString m_dataDir;
    DownloadSpec m_spec;
    QString m_source;
    QString m_found;
    DownloadController *m_download;
    QElapsedTimer m_clock;
    qint64 m_startBytes = 0;
    bool m_unpacking = false; // the download is in, its checksum and archive being checked

    QCommandLinkButton *m_downloadButton;
    QCommandLinkButton *m_folderButton;
    QCommandLinkButton *m_syntheticButton;
    QProgressBar *m_progress;
    QLabel *m_status;
    QLabel *m_error;
    QPushButton *m_cancel;
};

} // namespace normlab::gui
