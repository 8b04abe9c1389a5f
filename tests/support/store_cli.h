// normlab-cli run against one store by the process tests (test_cli_store, test_cli_faults): the
// command with --store added, JSON events read as they arrive, a run's epochs as `runs show` gives
// them.
#pragma once

#include "test_support.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStringList>
#include <QTest>

#include <functional>

namespace normlab::test {

constexpr int kTimeoutMs = 240'000;

// A short run: a few seconds per epoch on one thread.
inline const QStringList kShortRun {"s8-bn",         "--data",    "synthetic",
                             "--train-limit", "1500",      "--test-limit",
                             "300",           "--threads", "1"};

class Cli
{
public:
    explicit Cli(QString store) : m_store(std::move(store)) { }

    CliOutcome run(QStringList args, const std::function<void()> &childSetup = {}) const
    {
        QProcess p;
        start(p, std::move(args), childSetup);
        return finish(p, kTimeoutMs);
    }

    void start(QProcess &p, QStringList args, const std::function<void()> &childSetup = {}) const
    {
        args << "--store" << m_store;
        if (childSetup)
            p.setChildProcessModifier(childSetup);
        p.start(qEnvironmentVariable("NORMLAB_CLI"), args);
        QVERIFY(p.waitForStarted());
        p.closeWriteChannel(); // questions read end-of-file: no
    }

    QJsonArray runs() const
    {
        const CliOutcome o = run({"runs", "list", "--json"});
        QJsonArray list;
        for (const QString &line : o.out.split('\n', Qt::SkipEmptyParts))
            list.append(QJsonDocument::fromJson(line.toUtf8()).object());
        return list;
    }

    QJsonObject show(int id) const
    {
        return QJsonDocument::fromJson(
                       run({"runs", "show", QString::number(id), "--json"}).out.toUtf8())
                .object();
    }

private:
    QString m_store;
};

// Reads JSON lines as they arrive until `predicate` holds for one.
inline bool waitForEvent(QProcess &p, const std::function<bool(const QJsonObject &)> &predicate,
                  QJsonObject *found = nullptr)
{
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < kTimeoutMs) {
        while (p.canReadLine()) {
            const QJsonObject j = QJsonDocument::fromJson(p.readLine()).object();
            if (predicate(j)) {
                if (found)
                    *found = j;
                return true;
            }
        }
        if (p.state() != QProcess::Running)
            return false;
        p.waitForReadyRead(500);
    }
    return false;
}

inline QJsonArray epochsOf(const QJsonObject &shown)
{
    return shown["epochs_table"].toArray();
}

} // namespace normlab::test
