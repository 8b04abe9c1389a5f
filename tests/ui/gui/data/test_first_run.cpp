// The first-run dialog: download CIFAR-10 from a server on 127.0.0.1 (progress, cancel, resume,
// checksum), choose a folder (accepted and refused), or take the synthetic data; and the main
// window taking the choice as the experiment's dataset.
#include "config_panel.h"
#include "download.h"
#include "first_run_dialog.h"
#include "http_test_server.h"
#include "main_window.h"
#include "test_support.h"

#include <QAbstractButton>
#include <QCommandLinkButton>
#include <QDir>
#include <QFileInfo>
#include <QProgressBar>
#include <QSettings>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace normlab;
using namespace normlab::gui;
using namespace normlab::test;

namespace {
constexpr int kTimeoutMs = 30'000;
}

class TestFirstRun : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void downloadsVerifiesAndUnpacks();
    void cancelledDownloadResumes();
    void checksumMismatchIsReported();
    void folderChoiceIsChecked();
    void syntheticIsChosenAndRemembered();
    void mainWindowTakesTheChoice();

private:
    DownloadSpec serve(TinyHttpServer &server, const QString &workDir);
    std::unique_ptr<QTemporaryDir> m_tmp;
};

void TestFirstRun::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QCoreApplication::setOrganizationName("NormLabTest");
    QSettings().clear();
    // NormLab's data folder, empty: the dialog is due.
    qputenv("XDG_DATA_HOME", QFile::encodeName(m_tmp->path() + "/xdg"));
}

DownloadSpec TestFirstRun::serve(TinyHttpServer &server, const QString &workDir)
{
    QDir().mkpath(workDir);
    server.body = cifarArchive(workDir);
    return {server.url().toStdString(), server.body.size(),
            md5OfFile((workDir + "/archive.tar.gz").toStdString())};
}

void TestFirstRun::downloadsVerifiesAndUnpacks()
{
    TinyHttpServer server;
    const DownloadSpec spec = serve(server, m_tmp->path() + "/work");
    const QString dataDir = m_tmp->path() + "/data";
    FirstRunDialog dialog(dataDir, spec);
    // The offer names where the archive comes from.
    bool namesHost = false;
    for (QCommandLinkButton *b : dialog.findChildren<QCommandLinkButton *>())
        namesHost = namesHost || b->description().contains("from 127.0.0.1");
    QVERIFY(namesHost);
    QSignalSpy accepted(&dialog, &QDialog::accepted);
    dialog.startDownload();
    QVERIFY(dialog.downloading());
    QTRY_COMPARE_WITH_TIMEOUT(accepted.size(), 1, kTimeoutMs);
    QCOMPARE(dialog.dataSource(), dataDir + "/cifar-10-batches-bin");
    QVERIFY(QFileInfo::exists(dataDir + "/cifar-10-batches-bin/data_batch_5.bin"));
    QCOMPARE(readAll(dataDir + "/cifar-10-binary.tar.gz"), server.body);
    QCOMPARE(dialog.findChild<QProgressBar *>()->value(), 1000);
    QVERIFY(!FirstRunDialog::needed()); // chosen: not offered again
}

void TestFirstRun::cancelledDownloadResumes()
{
    TinyHttpServer server;
    const DownloadSpec spec = serve(server, m_tmp->path() + "/work");
    server.stallAfter = 700; // the server sends 700 bytes, then nothing
    const QString dataDir = m_tmp->path() + "/data";
    const QString part = dataDir + "/cifar-10-binary.tar.gz.part";
    {
        FirstRunDialog dialog(dataDir, spec);
        QSignalSpy accepted(&dialog, &QDialog::accepted);
        dialog.startDownload();
        // The first bytes arrived (the progress bar moved), then the server went quiet.
        QTRY_VERIFY_WITH_TIMEOUT(dialog.findChild<QProgressBar *>()->value() > 0, kTimeoutMs);
        dialog.cancelDownload();
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.downloading(), kTimeoutMs);
        QCOMPARE(accepted.size(), 0);
        QVERIFY2(dialog.errorText().contains("cancelled"), qPrintable(dialog.errorText()));
        QCOMPARE(QFileInfo(part).size(), 700); // kept for the next start
    }
    // A new dialog offers to resume, and asks the server only for the rest.
    FirstRunDialog dialog(dataDir, spec);
    bool offersResume = false;
    for (QAbstractButton *b : dialog.findChildren<QAbstractButton *>())
        offersResume = offersResume || b->text().contains("Resume");
    QVERIFY(offersResume);
    QSignalSpy accepted(&dialog, &QDialog::accepted);
    dialog.startDownload();
    QTRY_COMPARE_WITH_TIMEOUT(accepted.size(), 1, kTimeoutMs);
    QCOMPARE(server.rangesSeen, QStringList {"700"});
    QCOMPARE(readAll(dataDir + "/cifar-10-binary.tar.gz"), server.body);
    QVERIFY(!QFileInfo::exists(part));
}

void TestFirstRun::checksumMismatchIsReported()
{
    TinyHttpServer server;
    DownloadSpec spec = serve(server, m_tmp->path() + "/work");
    spec.md5 = "00000000000000000000000000000000";
    const QString dataDir = m_tmp->path() + "/data";
    FirstRunDialog dialog(dataDir, spec);
    QSignalSpy accepted(&dialog, &QDialog::accepted);
    dialog.startDownload();
    QTRY_VERIFY_WITH_TIMEOUT(!dialog.downloading(), kTimeoutMs);
    QCOMPARE(accepted.size(), 0);
    QVERIFY2(dialog.errorText().contains("MD5", Qt::CaseInsensitive),
             qPrintable(dialog.errorText()));
    QVERIFY(!QFileInfo::exists(dataDir + "/cifar-10-binary.tar.gz"));
    QVERIFY(!QFileInfo::exists(dataDir + "/cifar-10-batches-bin"));
}

void TestFirstRun::folderChoiceIsChecked()
{
    // A folder with neither layout is refused, naming the folder.
    const QString empty = m_tmp->path() + "/empty";
    QDir().mkpath(empty);
    FirstRunDialog dialog(m_tmp->path() + "/data");
    QVERIFY(!dialog.useFolder(empty));
    QVERIFY2(dialog.errorText().contains(QDir::toNativeSeparators(empty)),
             qPrintable(dialog.errorText()));
    QVERIFY(dialog.errorText().contains("data_batch_1.bin"));

    // The folder the archive was unpacked into is taken (the loader looks into its
    // cifar-10-batches-bin).
    const QString unpacked = m_tmp->path() + "/mine";
    QDir().mkpath(unpacked);
    cifarArchive(m_tmp->path());
    extractArchive((m_tmp->path() + "/archive.tar.gz").toStdString(), unpacked.toStdString());
    QSignalSpy accepted(&dialog, &QDialog::accepted);
    QVERIFY(dialog.useFolder(unpacked));
    QCOMPARE(accepted.size(), 1);
    QCOMPARE(dialog.dataSource(), unpacked);
    QVERIFY2(dialog.foundText().startsWith("CIFAR-10 binary files: "), qPrintable(dialog.foundText()));
    QVERIFY(dialog.foundText().endsWith(" in 10 classes"));
}

void TestFirstRun::syntheticIsChosenAndRemembered()
{
    QVERIFY(FirstRunDialog::needed());
    FirstRunDialog dialog(m_tmp->path() + "/data");
    // "Decide Later" leaves without a choice; the dialog comes back next time.
    QPushButton *later = nullptr;
    for (QPushButton *b : dialog.findChildren<QPushButton *>())
        if (b->text() == "Decide Later")
            later = b;
    QVERIFY(later);
    dialog.open();
    later->click();
    QCOMPARE(dialog.result(), int(QDialog::Rejected));
    QVERIFY(FirstRunDialog::needed());
    dialog.useSynthetic();
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QCOMPARE(dialog.dataSource(), QString("synthetic"));
    QVERIFY(!FirstRunDialog::needed());
}

void TestFirstRun::mainWindowTakesTheChoice()
{
    MainWindow window(m_tmp->path() + "/store");
    window.setDataSource("cifar10");
    QCOMPARE(window.configPanel()->config().data.source, std::string("cifar10"));
    FirstRunDialog *dialog = window.offerDatasets();
    QVERIFY(dialog->isVisible());
    dialog->useSynthetic();
    QCOMPARE(window.configPanel()->config().data.source, std::string("synthetic"));
    QVERIFY(window.configPanel()->valid());
}

QTEST_MAIN(TestFirstRun)
#include "test_first_run.moc"
