// Downloading and unpacking, against an HTTP server on 127.0.0.1 that this test runs, serving an
// archive that the test builds.
#include "cifar_binary.h"
#include "download.h"
#include "errors.h"
#include "http_test_server.h"
#include "synthetic.h"
#include "test_support.h"

#include <archive.h>
#include <archive_entry.h>

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <thread>

using namespace normlab;
using namespace normlab::test;

namespace {

// Runs the blocking download on a thread while this thread serves HTTP.
std::string downloadInBackground(const DownloadSpec &spec, const QString &dest)
{
    std::string error;
    std::atomic<bool> done {false};
    std::thread worker([&] {
        try {
            downloadFile(spec, dest.toStdString());
        } catch (const DownloadError &e) {
            error = e.what();
        }
        done = true;
    });
    if (!QTest::qWaitFor([&] { return done.load(); }, 60000))
        error = "the download did not finish within 60 s"; // join() then waits for curl's timeout
    worker.join();
    return error;
}

} // namespace

class TestDownload : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void downloadVerifyExtractLoad();
    void resumesAfterADroppedConnection();
    void checksumMismatchDeletesTheFile();
    void httpErrorIsReported();
    void unsafeArchivesAreRefused_data();
    void unsafeArchivesAreRefused();
    void md5OfKnownBytes();
    void mirrorFromTheEnvironment();
};

void TestDownload::downloadVerifyExtractLoad()
{
    QTemporaryDir tmp;
    TinyHttpServer server;
    server.body = cifarArchive(tmp.path());
    const DownloadSpec spec {server.url().toStdString(), server.body.size(),
                             md5OfFile((tmp.path() + "/archive.tar.gz").toStdString())};
    const QString dest = tmp.path() + "/data/cifar-10-binary.tar.gz";
    QCOMPARE(QString::fromStdString(downloadInBackground(spec, dest)), QString());
    QCOMPARE(readAll(dest), server.body);
    extractArchive(dest.toStdString(), (tmp.path() + "/data").toStdString());
    const DatasetPair pair = loadCifarBinary((tmp.path() + "/data").toStdString());
    QCOMPARE(pair.train.size(), std::size_t(50));
}

void TestDownload::resumesAfterADroppedConnection()
{
    QTemporaryDir tmp;
    TinyHttpServer server;
    server.body = cifarArchive(tmp.path());
    server.cutAfter = 1000;
    const DownloadSpec spec {server.url().toStdString(), server.body.size(),
                             md5OfFile((tmp.path() + "/archive.tar.gz").toStdString())};
    const QString dest = tmp.path() + "/cifar.tar.gz";
    const QString firstError = QString::fromStdString(downloadInBackground(spec, dest));
    QVERIFY2(firstError.contains("partial download kept"), qPrintable(firstError));
    QCOMPARE(QFileInfo(dest + ".part").size(), 1000);
    QCOMPARE(QString::fromStdString(downloadInBackground(spec, dest)), QString());
    QCOMPARE(server.rangesSeen, QStringList {"1000"});
    QCOMPARE(readAll(dest), server.body);
    QVERIFY(!QFileInfo::exists(dest + ".part"));
}

void TestDownload::checksumMismatchDeletesTheFile()
{
    QTemporaryDir tmp;
    TinyHttpServer server;
    server.body = QByteArray(5000, 'x');
    const DownloadSpec spec {server.url().toStdString(), 5000, "00000000000000000000000000000000"};
    const QString dest = tmp.path() + "/f.tar.gz";
    const QString error = QString::fromStdString(downloadInBackground(spec, dest));
    QVERIFY2(error.contains("checksum mismatch"), qPrintable(error));
    QVERIFY(!QFileInfo::exists(dest));
    QVERIFY(!QFileInfo::exists(dest + ".part"));
}

void TestDownload::httpErrorIsReported()
{
    QTemporaryDir tmp;
    TinyHttpServer server;
    const DownloadSpec spec {server.url("/missing.tar.gz").toStdString(), -1, {}};
    const QString error = QString::fromStdString(downloadInBackground(spec, tmp.path() + "/x"));
    QVERIFY2(error.contains("HTTP 404"), qPrintable(error));
}

void TestDownload::unsafeArchivesAreRefused_data()
{
    QTest::addColumn<QString>("entry");
    QTest::newRow("parent") << "../evil.txt";
    QTest::newRow("nested parent") << "cifar-10-batches-bin/../../evil.txt";
    QTest::newRow("absolute") << "/tmp/normlab-evil.txt";
}

void TestDownload::unsafeArchivesAreRefused()
{
    QFETCH(QString, entry);
    QTemporaryDir tmp;
    const QString archivePath = tmp.path() + "/bad.tar.gz";
    writeTarGz(archivePath, {{entry, "gotcha"}});
    QDir().mkpath(tmp.path() + "/out");
    try {
        extractArchive(archivePath.toStdString(), (tmp.path() + "/out").toStdString());
        QFAIL("an unsafe entry was extracted");
    } catch (const DownloadError &e) {
        QVERIFY2(QString(e.what()).contains("refusing unsafe entry"), e.what());
    }
    QVERIFY(!QFileInfo::exists(tmp.path() + "/evil.txt"));
    QVERIFY(!QFileInfo::exists("/tmp/normlab-evil.txt"));
}

void TestDownload::md5OfKnownBytes()
{
    QTemporaryDir tmp;
    writeAll(tmp.path() + "/abc", "abc");
    QCOMPARE(md5OfFile((tmp.path() + "/abc").toStdString()),
             std::string("900150983cd24fb0d6963f7d28e17f72"));
    QCOMPARE(cifar10Archive().size, 170'052'171);
    QCOMPARE(cifar10Archive().md5, std::string("c32a1d4ab5d03f1284b67883e8d87530"));
}

void TestDownload::mirrorFromTheEnvironment()
{
    QVERIFY(cifar10Archive().url.find("cs.toronto.edu") != std::string::npos);
    qputenv("NORMLAB_CIFAR10_URL", "http://127.0.0.1:8000/cifar-10-binary.tar.gz");
    const DownloadSpec mirror = cifar10Archive();
    qunsetenv("NORMLAB_CIFAR10_URL");
    QCOMPARE(mirror.url, std::string("http://127.0.0.1:8000/cifar-10-binary.tar.gz"));
    QCOMPARE(mirror.size, std::int64_t(170'052'171)); // the official file's size and checksum
    QCOMPARE(mirror.md5, std::string("c32a1d4ab5d03f1284b67883e8d87530"));
}

QTEST_GUILESS_MAIN(TestDownload)
#include "test_download.moc"
