// Test helpers for downloads: an HTTP server on 127.0.0.1 in the test's own event loop, and a
// small CIFAR-10 archive in the official layout built from synthetic images.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QTcpServer>

class QTcpSocket;

namespace normlab::test {

// A minimal HTTP/1.1 server: GET of one path, Range requests, an optional cut after N bytes of the
// first response (a dropped connection) and an optional stall after N bytes (a slow server).
class TinyHttpServer : public QObject
{
public:
    QByteArray body;
    qint64 cutAfter = -1;
    qint64 stallAfter = -1;
    QStringList rangesSeen;

    TinyHttpServer();
    QString url(const QString &path = "/cifar-10-binary.tar.gz") const;

private:
    void onReadyRead(QTcpSocket *socket);

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
};

void writeTarGz(const QString &path, const QList<QPair<QString, QByteArray>> &files);

// cifar-10-batches-bin/ with five training files and a test file of 10 images each; written to
// workDir/archive.tar.gz and returned.
QByteArray cifarArchive(const QString &workDir);

} // namespace normlab::test
