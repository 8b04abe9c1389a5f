// A recorded training run: what LibTorch throws comes out as the engine's own error, and the run
// is recorded failed with its message, so neither face has to know LibTorch.

#include "config_json.h"
#include "errors.h"
#include "run_session.h"
#include "run_store.h"
#include "test_support.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

using namespace normlab;

class TestRunSession : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // LibTorch cannot write the epoch's checkpoint (its temporary file's name is taken by a
    // folder): its c10::Error reaches the caller as a ComputeError naming LibTorch's reason.
    void libTorchErrorsBecomeComputeErrors()
    {
        QTemporaryDir dir;
        RunStore store(dir.path().toStdString());
        const ExperimentConfig c = test::quickConfig(1);
        const std::int64_t id = store.createRun({"c10", toJson(c).dump(), c.seed, {}, {}, {}});
        QVERIFY(QDir().mkpath(QString::fromStdString(store.runDir(id)) + "/last.pt.tmp"));
        RunSession session(store, id);
        bool thrown = false;
        try {
            session.run({});
        } catch (const ComputeError &e) {
            thrown = true;
            QVERIFY2(QString(e.what()).startsWith("LibTorch error: "), e.what());
        }
        QVERIFY(thrown);
        const RunRecord r = store.run(id);
        QCOMPARE(toString(r.state), toString(RunState::Failed));
        QVERIFY2(QString::fromStdString(r.message).startsWith("LibTorch error: "),
                 r.message.c_str());
    }
};

QTEST_MAIN(TestRunSession)
#include "test_run_session.moc"
