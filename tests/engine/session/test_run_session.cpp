// A recorded training run: what LibTorch throws comes out as the engine's own error, and the run
// is recorded failed with its message, so neither face has to know LibTorch.

#include "config_json.h"
#include "errors.h"
#include "run_session.h"
#include "run_store.h"
#include "test_support.h"

#include <c10/util/Exception.h>
#include "trained_model.h"

#include "dataset.h"

#include <nlohmann/json.hpp>

#include <QDir>

#include <map>
#include <random>
#include <numeric>
#include <QTemporaryDir>
#include <QtTest>

using namespace normlab;

namespace {

// Class 1: a bright 8x8 patch in the top-left corner over noise; class 0: noise only.
Dataset cornerPatches(std::size_t count, std::uint32_t seed)
{
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> noise(0, 110);
    Dataset d;
    d.classNames = {"plain", "patch"};
    d.pixels.resize(count * Dataset::kImageBytes);
    d.labels.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
        std::uint8_t *image = d.image(i);
        for (std::size_t b = 0; b < Dataset::kImageBytes; ++b)
            image[b] = static_cast<std::uint8_t>(noise(rng));
        d.labels[i] = static_cast<int>(i % 2);
        if (d.labels[i] == 1)
            for (int y = 0; y < 8; ++y)
                for (int x = 0; x < 8; ++x)
                    for (int c = 0; c < 3; ++c)
                        image[(y * Dataset::kWidth + x) * 3 + c] = 255;
    }
    return d;
}

} // namespace

class TestRunSession : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // A LibTorch error inside the run (raised here from the epoch callback, which the trainer
    // calls inside its loop): its c10::Error reaches the caller as a ComputeError naming
    // LibTorch's reason, and the run is recorded failed with it. (The checkpoint write that
    // provoked one before is now written through writeFileAtomically, which fails cleanly.)
    void libTorchErrorsBecomeComputeErrors()
    {
        QTemporaryDir dir;
        RunStore store(dir.path().toStdString());
        const ExperimentConfig c = test::quickConfig(1);
        const std::int64_t id = store.createRun({"c10", toJson(c).dump(), c.seed, {}, {}, {}});
        RunSession session(store, id);
        TrainerCallbacks callbacks;
        callbacks.onEpoch = [](const EpochMetrics &) { TORCH_CHECK(false, "forced failure"); };
        bool thrown = false;
        try {
            session.run(callbacks);
        } catch (const ComputeError &e) {
            thrown = true;
            QVERIFY2(QString(e.what()).startsWith("LibTorch error: "), e.what());
            QVERIFY2(QString(e.what()).contains("forced failure"), e.what());
        }
        QVERIFY(thrown);
        const RunRecord r = store.run(id);
        QCOMPARE(toString(r.state), toString(RunState::Failed));
        QVERIFY2(QString::fromStdString(r.message).startsWith("LibTorch error: "),
                 r.message.c_str());
    }

    void theTrainedModelPredictsWhatTheRunRecorded_data()
    {
        QTest::addColumn<bool>("flip");
        QTest::addColumn<int>("shift");
        QTest::newRow("the image alone") << false << 0;
        QTest::newRow("test-time flip and shifts") << true << 2;
    }

    // A recorded run's checkpoint predicts what the run recorded, over the run's test-time views:
    // the test images it got wrong at that epoch are exactly those TrainedModel gets wrong, with
    // the same predicted classes, which Grad-CAM explains.
    void theTrainedModelPredictsWhatTheRunRecorded()
    {
        QFETCH(bool, flip);
        QFETCH(int, shift);
        QTemporaryDir dir;
        RunStore store(dir.path().toStdString());
        ExperimentConfig c = test::quickConfig(1);
        c.data.testLimit = 300;
        c.evalBatchSize = 64; // predict() and Grad-CAM take the images in slices of this
        c.testTimeFlip = flip;
        c.testTimeShift = shift;
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
        std::vector<std::vector<std::uint8_t>> mistakes;
        for (const auto &[index, predicted] : wrong)
            mistakes.push_back(images[static_cast<std::size_t>(index)]);
        const std::vector<TrainedModel::Cam> cams =
                model.gradCam(mistakes, model.defaultCamLayer());
        auto it = wrong.begin();
        for (std::size_t i = 0; i < cams.size(); ++i, ++it) {
            QCOMPARE(cams[i].classIndex, it->second);
            QVERIFY(qAbs(cams[i].probability -
                         p[static_cast<std::size_t>(it->first)][static_cast<std::size_t>(
                                 it->second)]) < 1e-5);
        }

        QVERIFY_THROWS_EXCEPTION(InputError,
                                 TrainedModel(store, store.createRun({"none", toJson(c).dump(),
                                                                     c.seed, {}, {}, {}})));
    }

    // Grad-CAM looks where the class is decided: trained on a task whose class is a bright patch
    // in the top-left corner, the heat map of a correct "patch" prediction peaks in that corner.
    void gradCamLooksAtTheDecidingPatch()
    {
        QTemporaryDir dir;
        RunStore store(dir.path().toStdString());
        ExperimentConfig c = test::quickConfig(3);
        c.model.norm = NormKind::Group;
        c.augment.clear();
        c.evalBatchSize = 16; // Grad-CAM's slices: a map does not depend on its neighbours
        auto data = std::make_shared<DatasetPair>();
        data->train = cornerPatches(960, 1);
        data->test = cornerPatches(200, 2);
        data->kind = "synthetic";
        data->fingerprint = "corner-patches";
        const std::int64_t id = store.createRun({"cam", toJson(c).dump(), c.seed, {}, {}, {}});
        {
            RunSession session(store, id, data);
            session.run({});
        }
        QVERIFY2(store.run(id).lastTestAccuracy > 90, "the task was not learned");
        TrainedModel model(store, id, TrainedModel::Checkpoint::Last);
        QCOMPARE(model.defaultCamLayer(), std::string("C10"));
        QCOMPARE(model.camLayers().front(), std::string("C1"));
        std::vector<std::vector<std::uint8_t>> patches;
        for (std::size_t i = 0; i < data->test.size(); ++i)
            if (data->test.labels[i] == 1)
                patches.emplace_back(data->test.image(i),
                                     data->test.image(i) + Dataset::kImageBytes);
        const std::vector<TrainedModel::Cam> cams =
                model.gradCam(patches, model.defaultCamLayer(), 1);
        QCOMPARE(cams.size(), patches.size());
        int inCorner = 0;
        for (const TrainedModel::Cam &cam : cams) {
            QCOMPARE(cam.heat.size(), std::size_t(32 * 32));
            QCOMPARE(cam.classIndex, 1);
            const auto peak = std::max_element(cam.heat.begin(), cam.heat.end()) - cam.heat.begin();
            QCOMPARE(cam.heat[peak], 1.0f);
            if (peak / 32 < 16 && peak % 32 < 16)
                ++inCorner;
        }
        QVERIFY2(inCorner >= int(cams.size()) * 8 / 10,
                 qPrintable(QString("%1 of %2 in the corner").arg(inCorner).arg(cams.size())));
        QVERIFY_THROWS_EXCEPTION(InputError, model.gradCam(patches, "C99", 1));
        QVERIFY_THROWS_EXCEPTION(InputError, model.gradCam(patches, "C10", 2));

        // A class per image (the CLI's true-class maps in one pass), over three slices: each
        // map is the one that image gets alone with its class.
        const std::vector<std::vector<std::uint8_t>> few(patches.begin(), patches.begin() + 40);
        std::vector<int> classes;
        for (std::size_t i = 0; i < few.size(); ++i)
            classes.push_back(i % 3 == 1 ? 0 : 1);
        const std::vector<TrainedModel::Cam> mixed = model.gradCam(few, "C10", classes);
        for (std::size_t i = 0; i < few.size(); ++i) {
            const TrainedModel::Cam alone = model.gradCam({few[i]}, "C10", classes[i]).front();
            QCOMPARE(mixed[i].classIndex, classes[i]);
            for (std::size_t p = 0; p < alone.heat.size(); ++p)
                QVERIFY(std::abs(mixed[i].heat[p] - alone.heat[p]) < 1e-4f);
        }
        QVERIFY_THROWS_EXCEPTION(InputError, model.gradCam(few, "C10", std::vector<int> {0, 1}));
    }
};

QTEST_MAIN(TestRunSession)
#include "test_run_session.moc"
