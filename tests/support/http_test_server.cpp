#include "http_test_server.h"

#include "cifar_binary.h"
#include "synthetic.h"
#include "test_support.h"

#include <archive.h>
#include <archive_entry.h>

#include <QRegularExpression>
#include <QTcpSocket>

namespace normlab::test {

TinyHttpServer::TinyHttpServer()
{
    m_server.listen(QHostAddress::LocalHost, 0);
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        }
    });
}

QString TinyHttpServer::url(const QString &path) const
{
    return QString("http://127.0.0.1:%1%2").arg(m_server.serverPort()).arg(path);
}

void TinyHttpServer::onReadyRead(QTcpSocket *socket)
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
    const QRegularExpressionMatch range =
            QRegularExpression("Range: bytes=(\\d+)-", QRegularExpression::CaseInsensitiveOption)
                    .match(head);
    QByteArray response;
    if (range.hasMatch()) {
        from = range.captured(1).toLongLong();
        rangesSeen << range.captured(1);
        response = QString("HTTP/1.1 206 Partial Content\r\nContent-Range: bytes %1-%2/%3\r\n")
                           .arg(from)
                           .arg(body.size() - 1)
                           .arg(body.size())
                           .toLatin1();
    } else {
        response = "HTTP/1.1 200 OK\r\n";
    }
    const QByteArray payload = body.mid(from);
    response += QString("Content-Length: %1\r\nConnection: close\r\n\r\n")
                        .arg(payload.size())
                        .toLatin1();
    if (cutAfter >= 0) {
        response += payload.left(cutAfter);
        cutAfter = -1;
        socket->write(response);
        socket->flush();
        socket->abort();
        return;
    }
    if (stallAfter >= 0) {
        // Send the start and keep the connection open without sending more.
        response += payload.left(stallAfter);
        stallAfter = -1;
        socket->write(response);
        socket->flush();
        return;
    }
    socket->write(response + payload);
    socket->disconnectFromHost();
}

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
        files.append(qMakePair(QString("cifar-10-batches-bin/data_batch_%1.bin").arg(i),
                               readAll(workDir + "/b.bin")));
    }
    files.append(
            qMakePair(QString("cifar-10-batches-bin/test_batch.bin"), readAll(workDir + "/b.bin")));
    files.append(
            qMakePair(QString("cifar-10-batches-bin/batches.meta.txt"),
                      QByteArray("airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\n"
                                 "truck\n")));
    writeTarGz(workDir + "/archive.tar.gz", files);
    return readAll(workDir + "/archive.tar.gz");
}

} // namespace normlab::test
