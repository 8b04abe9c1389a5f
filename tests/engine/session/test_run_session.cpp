// A recorded training run: what LibTorch throws comes out as the engine's own error, and the run
// is recorded failed with its message, so neither face has to know LibTorch.

#include "config_json.h"
#include "errors.h"
#include "run_session.h"
#include "run_store.h"
#include "test_support.h"
#include "trained_model.h"

#include "dataset.h"

#include <nlohmann/json.hpp>

#include <QDir>

#include <map>
#include <numeric>
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

    // A recorded run's checkpoint predicts what the run recorded: the test images it got wrong at
    // that epoch are exactly those TrainedModel gets wrong, with the same predicted classes.
    void theTrainedModelPredictsWhatTheRunRecorded()
    {
        QTemporaryDir dir;
        RunStore store(dir.path().toStdString());
        ExperimentConfig c = test::quickConfig(1);
        c.data.testLimit = 300;
        const std::int64_t id = store.createRun({"predict", toJson(c).dump(), c.seed, {}, {}, {}});
        {
            RunSession session(store, id);
            session.run({});
        }
        TrainedModel model(store, id, TrainedModel::Checkpoint::Last);
        QCOMPARE(model.epoch(), 1);
        QCOMPARE(model.classNames(), store.run(id).classNames);
        const DatasetPair data = loadDatasets(c.data);
        std::vector<std::vector<std::uint8_t>> images;
        for (std::size_t i = 0; i < data.test.size(); ++i)
            images.emplace_back(data.test.image(i), data.test.image(i) + Dataset::kImageBytes);
        const std::vector<std::vector<float>> p = model.predict(images);
        QCOMPARE(p.size(), images.size());
        std::map<int, int> wrong; // index -> predicted
        for (std::size_t i = 0; i < p.size(); ++i) {
            const auto best = static_cast<int>(
                    std::max_element(p[i].begin(), p[i].end()) - p[i].begin());
            QVERIFY(qAbs(std::accumulate(p[i].begin(), p[i].end(), 0.0) - 1.0) < 1e-4);
            if (best != data.test.labels[i])
                wrong[static_cast<int>(i)] = best;
        }
        std::map<int, int> recorded;
        for (const Misclassified &m : store.misclassified(id, 1))
            recorded[m.index] = m.predicted;
        QCOMPARE(wrong, recorded);

        QVERIFY_THROWS_EXCEPTION(InputError,
                                 TrainedModel(store, store.createRun({"none", toJson(c).dump(),
                                                                     c.seed, {}, {}, {}})));
    }
};

QTEST_MAIN(TestRunSession)
#include "test_run_session.moc"
