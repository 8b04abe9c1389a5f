// Downloading and unpacking, against an HTTP server on 127.0.0.1 that this test runs, serving an
// archive that the test builds.
#include "cifar_binary.h"
#include "download.h"
#include "errors.h"
#include "synthetic.h"
#include "test_support.h"

#include <archive.h>
#include <archive_entry.h>

#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <thread>

using namespace normlab;
using namespace normlab::test;

namespace {

// A minimal HTTP/1.1 server: GET of one path, Range requests, and an optional cut after N bytes
// of the first response (a dropped connection).
class TinyHttpServer : public QObject
{
public:
    QByteArray body;
    qint64 cutAfter = -1;
    QStringList rangesSeen;

    TinyHttpServer()
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }
    QString url(const QString &path = "/cifar-10-binary.tar.gz") const
    {
        return QString("http://127.0.0.1:%1%2").arg(m_server.serverPort()).arg(path);
    }

private:
    void onReadyRead(QTcpSocket *socket)
    {
        m_buffers[socket] += socket->readAll();
        const QByteArray request = m_buffers[socket];
        if (!request.contains("\r\n\r\n"))
            return;
        m_buffers.remove(socket);
        const QString head = QString::fromLatin1(request);
        if (!head.startsWith("GET /cifar-10-binary.tar.gz ")) {
            socket->write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            socket->disconnectFromHost();
            return;
        }
        qint64 from = 0;
        const QRegularExpressionMatch range = QRegularExpression("Range: bytes=(\\d+)-", QRegularExpression::CaseInsensitiveOption).match(head);
        QByteArray response;
        if (range.hasMatch()) {
            from = range.captured(1).toLongLong();
            rangesSeen << range.captured(1);
            response = QString("HTTP/1.1 206 Partial Content\r\nContent-Range: bytes %1-%2/%3\r\n")
                               .arg(from).arg(body.size() - 1).arg(body.size()).toLatin1();
        } else {
            response = "HTTP/1.1 200 OK\r\n";
        }
        const QByteArray payload = body.mid(from);
        response += QString("Content-Length: %1\r\nConnection: close\r\n\r\n").arg(payload.size()).toLatin1();
        if (cutAfter >= 0) {
            response += payload.left(cutAfter);
            cutAfter = -1;
            socket->write(response);
            socket->flush();
            socket->abort();
            return;
        }
        socket->write(response + payload);
        socket->disconnectFromHost();
    }

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
};

void writeTarGz(const QString &path, const QList<QPair<QString, QByteArray>> &files)
{
    archive *a = archive_write_new();
    archive_write_add_filter_gzip(a);
    archive_write_set_format_pax_restricted(a);
    archive_write_open_filename(a, path.toLocal8Bit().constData());
    for (const auto &[name, bytes] : files) {
        archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, name.toLocal8Bit().constData());
        archive_entry_set_size(e, bytes.size());
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_write_header(a, e);
        archive_write_data(a, bytes.constData(), static_cast<size_t>(bytes.size()));
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
}

QByteArray cifarArchive(const QString &workDir)
{
    const Dataset data = makeSyntheticDataset(10, 2);
    QList<QPair<QString, QByteArray>> files;
    for (int i = 1; i <= 5; ++i) {
        writeCifarBin(data, workDir + "/b.bin", 10);
        files.append(qMakePair(QString("cifar-10-batches-bin/data_batch_%1.bin").arg(i), readAll(workDir + "/b.bin")));
    }
    files.append(qMakePair(QString("cifar-10-batches-bin/test_batch.bin"), readAll(workDir + "/b.bin")));
    files.append(qMakePair(QString("cifar-10-batches-bin/batches.meta.txt"), QByteArray("airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n")));
    writeTarGz(workDir + "/archive.tar.gz", files);
    return readAll(workDir + "/archive.tar.gz");
}

// Runs the blocking download on a thread while this thread serves HTTP.
std::string downloadInBackground(const DownloadSpec &spec, const QString &dest)
{
    std::string error;
    std::atomic<bool> done{false};
    std::thread worker([&] {
        try {
            downloadFile(spec, dest.toStdString());
        } catch (const DownloadError &e) {
            error = e.what();
        }
        done = true;
    });
    QTest::qWaitFor([&] { return done.load(); }, 60000);
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
};

void TestDownload::downloadVerifyExtractLoad()
{
    QTemporaryDir tmp;
    TinyHttpServer server;
    server.body = cifarArchive(tmp.path());
    const DownloadSpec spec{server.url().toStdString(), server.body.size(), md5OfFile((tmp.path() + "/archive.tar.gz").toStdString())};
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
    const DownloadSpec spec{server.url().toStdString(), server.body.size(), md5OfFile((tmp.path() + "/archive.tar.gz").toStdString())};
    const QString dest = tmp.path() + "/cifar.tar.gz";
    const QString firstError = QString::fromStdString(downloadInBackground(spec, dest));
    QVERIFY2(firstError.contains("partial download kept"), qPrintable(firstError));
    QCOMPARE(QFileInfo(dest + ".part").size(), 1000);
    QCOMPARE(QString::fromStdString(downloadInBackground(spec, dest)), QString());
    QCOMPARE(server.rangesSeen, QStringList{"1000"});
    QCOMPARE(readAll(dest), server.body);
    QVERIFY(!QFileInfo::exists(dest + ".part"));
}

void TestDownload::checksumMismatchDeletesTheFile()
{
    QTemporaryDir tmp;
    TinyHttpServer server;
    server.body = QByteArray(5000, 'x');
    const DownloadSpec spec{server.url().toStdString(), 5000, "00000000000000000000000000000000"};
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
    const DownloadSpec spec{server.url("/missing.tar.gz").toStdString(), -1, {}};
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
    QCOMPARE(md5OfFile((tmp.path() + "/abc").toStdString()), std::string("900150983cd24fb0d6963f7d28e17f72"));
    QCOMPARE(cifar10Archive().size, 170'052'171);
    QCOMPARE(cifar10Archive().md5, std::string("c32a1d4ab5d03f1284b67883e8d87530"));
}

QTEST_GUILESS_MAIN(TestDownload)
#include "test_download.moc"
