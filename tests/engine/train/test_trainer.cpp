// The training loop: determinism, stop and pause from another thread, checkpoints, divergence.
#include "batch_loader.h"
#include "checkpoint.h"
#include "errors.h"
#include "model_spec.h"
#include "presets.h"
#include "test_support.h"
#include "train_step.h"
#include "trainer.h"

#include <QFileInfo>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <numeric>
#include <thread>

using namespace normlab;
using namespace normlab::test;

namespace {

ExperimentConfig tinyConfig(const char *preset = "s8-bn")
{
    ExperimentConfig c = presetConfig(preset);
    c.epochs = 2;
    c.batchSize = 32;
    c.evalBatchSize = 50;
    c.seed = 3;
    c.threads = 1;
    return c;
}

std::vector<double> batchLosses(ExperimentConfig c, const DatasetPair &data)
{
    std::vector<double> losses;
    Trainer trainer(c, data);
    TrainerCallbacks cb;
    cb.batchIntervalMs = 0;
    cb.onBatch = [&](const BatchProgress &p) { losses.push_back(p.batchLoss); };
    const RunResult r = trainer.run(cb);
    return losses;
}

struct Evaluation
{
    int epoch = 0; // the checkpoint's
    double loss = 0; // mean test loss
    double accuracy = 0; // %
};

// The images moved (dx, dy) pixels, the border black as RandomCrop pads: padded all round and
// cropped here, not as the engine moves them.
torch::Tensor movedBy(const torch::Tensor &images, int dx, int dy, const NormalizeConfig &n)
{
    if (dx == 0 && dy == 0)
        return images;
    std::vector<double> black;
    for (std::size_t c = 0; c < n.mean.size(); ++c)
        black.push_back(-n.mean[c] / n.std[c]);
    const torch::Tensor fill = torch::tensor(black, images.options()).view({1, -1, 1, 1});
    const int s = std::max(std::abs(dx), std::abs(dy));
    const torch::Tensor padded = torch::constant_pad_nd(images - fill, {s, s, s, s}, 0) + fill;
    return padded.narrow(2, s - dy, images.size(2)).narrow(3, s - dx, images.size(3));
}

// A checkpoint's model (the weight average where it has one) evaluated on the test set here,
// each image's distribution averaged over its views (moved by `shift` pixels each way, mirrored
// when `flip`): what the trainer's evaluation must agree with.
Evaluation evaluateCheckpoint(const QString &path, const ExperimentConfig &c,
                              const DatasetPair &data, bool flip, int shift = 0)
{
    Net net(buildModelSpec(c.model, data.train.numClasses()));
    Evaluation e;
    if (trainsChannelsLast(c))
        net->toChannelsLast();
    e.epoch = loadCheckpointModel(path.toStdString(), net);
    net->eval();
    torch::NoGradGuard noGrad;
    BatchLoaderOptions options;
    options.batchSize = 60;
    options.shuffle = false;
    options.channelsLast = trainsChannelsLast(c);
    BatchLoader loader(data.test, Augmenter(), c.normalize, options);
    loader.startEpoch(0);
    double lossSum = 0;
    std::int64_t correct = 0, seen = 0;
    while (std::optional<Batch> batch = loader.next()) {
        std::vector<std::pair<int, int>> moves {{0, 0}};
        if (shift > 0)
            moves.insert(moves.end(), {{shift, 0}, {-shift, 0}, {0, shift}, {0, -shift}});
        torch::Tensor sum = torch::zeros({batch->images.size(0), data.test.numClasses()},
                                         torch::kFloat64);
        int views = 0;
        for (const auto &[dx, dy] : moves) {
            const torch::Tensor view = movedBy(batch->images, dx, dy, c.normalize);
            sum += net->forward(view).exp().to(torch::kFloat64);
            ++views;
            if (flip) {
                sum += net->forward(view.flip({3})).exp().to(torch::kFloat64);
                ++views;
            }
        }
        const torch::Tensor out = (sum / views).log().to(torch::kFloat32);
        lossSum += torch::nll_loss(out, batch->labels, {}, at::Reduction::Sum).item<double>();
        correct += out.argmax(1).eq(batch->labels).sum().item<std::int64_t>();
        seen += batch->labels.size(0);
    }
    e.loss = lossSum / static_cast<double>(seen);
    e.accuracy = 100.0 * static_cast<double>(correct) / static_cast<double>(seen);
    return e;
}

} // namespace

class TestTrainer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sameSeedSameLosses_data();
    void sameSeedSameLosses();
    void differentSeedDifferentLosses();
    void learnsTheSyntheticSet();
    void stopWithinOneBatch();
    void pauseAndResumeFromAnotherThread();
    void checkpointRoundTrip_data();
    void checkpointRoundTrip();
    void divergenceStopsTheRun();
    void badCheckpointIsAnInputError();
    void testTimeViewsAreAveraged_data();
    void testTimeViewsAreAveraged();
    void theWeightAverageIsWhatIsEvaluated();
    void weightDecaySparesNormsAndBiases_data();
    void weightDecaySparesNormsAndBiases();
    void aPerBatchScheduleRecordsItsMeanRate();
};

void TestTrainer::sameSeedSameLosses_data()
{
    QTest::addColumn<int>("threads");
    QTest::addColumn<int>("workers");
    QTest::addColumn<bool>("exact");
    // With the same LibTorch thread count, the data-pipeline thread count changes nothing at all.
    QTest::newRow("1 thread, 3 workers") << 1 << 3 << true;
#ifndef __SANITIZE_THREAD__
    // ThreadSanitizer cannot see the barriers of libgomp, which is not built with it, so it reports
    // what LibTorch's OpenMP regions hand to their threads as races: the tsan preset runs one
    // LibTorch thread (docs/reliability.md).
    //
    // Another thread count changes the order of oneDNN's float reductions (a relative 2e-6 in the
    // first forward pass), which SGD then amplifies; the epoch stays the same within noise.
    QTest::newRow("2 threads, 1 worker") << 2 << 1 << false;
    QTest::newRow("2 threads, 2 workers") << 2 << 2 << false;
#endif
}

void TestTrainer::sameSeedSameLosses()
{
    QFETCH(int, threads);
    QFETCH(int, workers);
    QFETCH(bool, exact);
    const DatasetPair data = tinyData(192, 50);
    ExperimentConfig c = tinyConfig();
    c.epochs = 1;
    const std::vector<double> reference = batchLosses(c, data);
    QCOMPARE(batchLosses(c, data), reference); // a rerun is bit-identical
    c.threads = threads;
    c.data.workers = workers;
    const std::vector<double> losses = batchLosses(c, data);
    QCOMPARE(losses.size(), reference.size());
    if (exact) {
        QCOMPARE(losses, reference);
        return;
    }
    QVERIFY2(std::abs(losses[0] - reference[0]) < 1e-5 * reference[0],
             qPrintable(QString("first batch: %1 vs %2")
                                .arg(losses[0], 0, 'g', 10)
                                .arg(reference[0], 0, 'g', 10)));
    const double mean = std::accumulate(losses.begin(), losses.end(), 0.0) / losses.size();
    const double referenceMean =
            std::accumulate(reference.begin(), reference.end(), 0.0) / reference.size();
    QVERIFY2(std::abs(mean - referenceMean) < 0.01 * referenceMean,
             qPrintable(QString("epoch mean: %1 vs %2").arg(mean).arg(referenceMean)));
}

void TestTrainer::differentSeedDifferentLosses()
{
    const DatasetPair data = tinyData(96, 50);
    ExperimentConfig c = tinyConfig();
    c.epochs = 1;
    const auto a = batchLosses(c, data);
    c.seed = 4;
    QVERIFY(batchLosses(c, data) != a);
}

void TestTrainer::learnsTheSyntheticSet()
{
    const DatasetPair data = tinyData(2000, 200);
    ExperimentConfig c = tinyConfig();
    c.epochs = 2;
    c.threads = 0; // every core, or OMP_NUM_THREADS where set (the tsan preset sets 1)
    Trainer trainer(c, data);
    QCOMPARE(trainer.parameterCount(), 48'552);
    QList<int> epochs;
    TrainerCallbacks cb;
    cb.onEpoch = [&](const EpochMetrics &m) { epochs << m.epoch; };
    const RunResult r = trainer.run(cb);
    QVERIFY(r.status == RunStatus::Finished);
    QCOMPARE(epochs, (QList<int> {1, 2}));
    const EpochMetrics &last = r.epochs.back();
    qInfo("test accuracy after 2 epochs: %.1f %%", last.testAccuracy);
    QVERIFY2(last.testAccuracy > 30.0, qPrintable(QString::number(last.testAccuracy)));
    QVERIFY(last.trainLoss < r.epochs.front().trainLoss);
    int total = 0;
    for (int n : last.confusion)
        total += n;
    QCOMPARE(total, 200);
    int diagonal = 0;
    for (int k = 0; k < 10; ++k)
        diagonal += last.confusion[static_cast<std::size_t>(k * 10 + k)];
    QCOMPARE(std::size_t(200 - diagonal), last.misclassified.size());
    for (const Misclassified &m : last.misclassified) {
        QVERIFY(m.trueLabel != m.predicted);
        QCOMPARE(int(data.test.labels[static_cast<std::size_t>(m.index)]), m.trueLabel);
        QVERIFY(m.confidence > 0.0f && m.confidence <= 1.0f);
    }
}

void TestTrainer::stopWithinOneBatch()
{
    const DatasetPair data = tinyData(640, 50);
    ExperimentConfig c = tinyConfig();
    Trainer trainer(c, data);
    int lastBatch = 0;
    TrainerCallbacks cb;
    cb.batchIntervalMs = 0;
    cb.onBatch = [&](const BatchProgress &p) {
        lastBatch = p.batch;
        if (p.batch == 3)
            trainer.requestStop();
    };
    const RunResult r = trainer.run(cb);
    QVERIFY(r.status == RunStatus::Stopped);
    QCOMPARE(lastBatch, 3); // not one batch more
    QVERIFY(r.epochs.empty());
    QVERIFY(QString::fromStdString(r.message).contains("epoch 1, batch 4"));
}

void TestTrainer::pauseAndResumeFromAnotherThread()
{
    const DatasetPair data = tinyData(320, 50);
    ExperimentConfig c = tinyConfig();
    c.epochs = 1;
    Trainer trainer(c, data);
    std::atomic<int> batches {0};
    TrainerCallbacks cb;
    cb.batchIntervalMs = 0;
    cb.onBatch = [&](const BatchProgress &p) {
        batches = p.batch;
        if (p.batch == 2)
            trainer.setPaused(true);
    };
    RunResult result;
    std::thread worker([&] { result = trainer.run(cb); });
    QTRY_VERIFY(trainer.isPaused());
    QTest::qWait(300);
    QCOMPARE(batches.load(), 2); // nothing trains while paused
    trainer.setPaused(false);
    worker.join();
    QVERIFY(result.status == RunStatus::Finished);
    QCOMPARE(batches.load(), 10);
}

void TestTrainer::checkpointRoundTrip_data()
{
    QTest::addColumn<double>("emaDecay");
    QTest::newRow("plain") << 0.0;
    QTest::newRow("weight average") << 0.9; // the average goes on from where it was
}

void TestTrainer::checkpointRoundTrip()
{
    QFETCH(double, emaDecay);
    const DatasetPair data = tinyData(256, 60);
    QTemporaryDir tmp;
    ExperimentConfig c = tinyConfig();
    c.epochs = 3;
    c.emaDecay = emaDecay;

    // The uninterrupted run.
    const RunResult whole = Trainer(c, data).run();
    QCOMPARE(whole.epochs.size(), std::size_t(3));

    // The same run, stopped after epoch 1, resumed from last.pt in a fresh trainer.
    {
        Trainer first(c, data);
        first.setCheckpointDir(tmp.path().toStdString());
        TrainerCallbacks cb;
        cb.onEpoch = [&](const EpochMetrics &m) {
            if (m.epoch == 1)
                first.requestStop();
        };
        const RunResult r = first.run(cb);
        QCOMPARE(r.epochs.size(), std::size_t(1));
        QVERIFY(QFileInfo::exists(tmp.path() + "/last.pt"));
        QVERIFY(QFileInfo::exists(tmp.path() + "/best.pt"));
    }
    Trainer second(c, data);
    second.resumeFrom((tmp.path() + "/last.pt").toStdString());
    const RunResult rest = second.run();
    QVERIFY(rest.status == RunStatus::Finished);
    QCOMPARE(rest.epochs.size(), std::size_t(2));
    for (std::size_t i = 0; i < 2; ++i) {
        const EpochMetrics &a = whole.epochs[i + 1];
        const EpochMetrics &b = rest.epochs[i];
        QCOMPARE(b.epoch, a.epoch);
        QVERIFY2(std::abs(a.trainLoss - b.trainLoss) < 1e-5,
                 qPrintable(QString("%1 vs %2").arg(a.trainLoss).arg(b.trainLoss)));
        QVERIFY(std::abs(a.testLoss - b.testLoss) < 1e-5);
        QCOMPARE(a.lr, b.lr);
    }
}

void TestTrainer::testTimeViewsAreAveraged_data()
{
    QTest::addColumn<bool>("flip");
    QTest::addColumn<int>("shift");
    QTest::addColumn<QString>("preset");
    QTest::newRow("flip") << true << 0 << "s8-bn";
    QTest::newRow("shift 2") << false << 2 << "s8-bn";
    QTest::newRow("flip and shift 3") << true << 3 << "s8-bn";
    QTest::newRow("flip and shift 2, channels-last tiny") << true << 2 << "tiny";
}

// With test-time views the test loss and accuracy are those of the mean of the predicted
// distributions over each image's views, computed here from the trained weights; training itself
// is the same.
void TestTrainer::testTimeViewsAreAveraged()
{
    QFETCH(bool, flip);
    QFETCH(int, shift);
    QFETCH(QString, preset);
    const DatasetPair data = tinyData(128, 60);
    ExperimentConfig c = tinyConfig(qPrintable(preset));
    c.epochs = 1;
    c.schedule.warmupEpochs = 0; // tiny's 3 would outlast the run
    c.testTimeFlip = false;
    const RunResult plain = Trainer(c, data).run();
    c.testTimeFlip = flip;
    c.testTimeShift = shift;
    QTemporaryDir tmp;
    Trainer trainer(c, data);
    trainer.setCheckpointDir(tmp.path().toStdString());
    const RunResult viewed = trainer.run();
    QCOMPARE(viewed.epochs[0].trainLoss, plain.epochs[0].trainLoss);
    QVERIFY(viewed.epochs[0].testLoss != plain.epochs[0].testLoss);

    const Evaluation check = evaluateCheckpoint(tmp.path() + "/last.pt", c, data, flip, shift);
    QVERIFY2(std::abs(viewed.epochs[0].testLoss - check.loss) < 1e-5,
             qPrintable(QString("%1 vs %2").arg(viewed.epochs[0].testLoss).arg(check.loss)));
    QCOMPARE(viewed.epochs[0].testAccuracy, check.accuracy);
}

void TestTrainer::weightDecaySparesNormsAndBiases_data()
{
    QTest::addColumn<int>("optimizer");
    QTest::newRow("sgd") << static_cast<int>(OptimizerConfig::Kind::Sgd);
    QTest::newRow("adamw") << static_cast<int>(OptimizerConfig::Kind::AdamW);
}

// With ema_decay the test metrics are the average's: the checkpoint's predictions (which load the
// average) give the same test loss; training itself is the same as without.
void TestTrainer::theWeightAverageIsWhatIsEvaluated()
{
    const DatasetPair data = tinyData(128, 60);
    ExperimentConfig c = tinyConfig();
    c.epochs = 2;
    const RunResult plain = Trainer(c, data).run();
    c.emaDecay = 0.9;
    QTemporaryDir tmp;
    Trainer trainer(c, data);
    trainer.setCheckpointDir(tmp.path().toStdString());
    const RunResult averaged = trainer.run();
    QCOMPARE(averaged.epochs[1].trainLoss, plain.epochs[1].trainLoss);
    QVERIFY(averaged.epochs[1].testLoss != plain.epochs[1].testLoss);

    const Evaluation check = evaluateCheckpoint(tmp.path() + "/last.pt", c, data, false);
    QCOMPARE(check.epoch, 2);
    QVERIFY2(std::abs(averaged.epochs[1].testLoss - check.loss) < 1e-5,
             qPrintable(QString("%1 vs %2").arg(averaged.epochs[1].testLoss).arg(check.loss)));
}

// decay_norm_and_bias false: a step with no gradient leaves every one-dimensional parameter as it
// was and shrinks the others by the decay.
void TestTrainer::weightDecaySparesNormsAndBiases()
{
    QFETCH(int, optimizer);
    ExperimentConfig c = tinyConfig("s8-gn");
    c.optimizer.kind = static_cast<OptimizerConfig::Kind>(optimizer);
    c.optimizer.weightDecay = 0.1;
    c.optimizer.decayNormAndBias = false;
    torch::manual_seed(1);
    Net net(buildModelSpec(c.model, 10));
    for (torch::Tensor &p : net->parameters())
        if (p.dim() <= 1)
            p.detach().uniform_(0.5, 1.5); // no zeros: decay would show
    const std::unique_ptr<torch::optim::Optimizer> opt =
            makeOptimizer(c.optimizer, net->parameters());
    QCOMPARE(opt->param_groups().size(), std::size_t(2));
    std::vector<torch::Tensor> before;
    for (const torch::Tensor &p : net->parameters()) {
        before.push_back(p.detach().clone());
        p.mutable_grad() = torch::zeros_like(p);
    }
    opt->step();
    int spared = 0, decayed = 0;
    const auto params = net->parameters();
    for (std::size_t i = 0; i < params.size(); ++i) {
        const bool same = torch::equal(params[i].detach(), before[i]);
        if (params[i].dim() <= 1) {
            QVERIFY2(same, qPrintable(QString("parameter %1 changed").arg(i)));
            ++spared;
        } else {
            QVERIFY2(!same && params[i].detach().abs().sum().item<double>() <
                                      before[i].abs().sum().item<double>(),
                     qPrintable(QString("parameter %1 not decayed").arg(i)));
            ++decayed;
        }
    }
    QVERIFY(spared > 10 && decayed > 5);

    // The default decays every parameter, as torch.optim does.
    c.optimizer.decayNormAndBias = true;
    QCOMPARE(makeOptimizer(c.optimizer, net->parameters())->param_groups().size(), std::size_t(1));
}

// An epoch's recorded rate is the rate its batches trained at: with a per-batch schedule, their
// mean. A warm-up's first epoch read 0.000021, the rate of its first batch only.
void TestTrainer::aPerBatchScheduleRecordsItsMeanRate()
{
    const DatasetPair data = tinyData(128, 50); // 4 batches of 32 an epoch
    ExperimentConfig c = tinyConfig();
    c.optimizer.lr = 0.08;
    c.schedule.kind = ScheduleConfig::Kind::Cosine;
    c.schedule.warmupEpochs = 1; // steps 0-3: lr * (step + 1) / 4
    const RunResult r = Trainer(c, data).run();
    QCOMPARE(r.epochs.size(), std::size_t(2));
    QVERIFY2(std::abs(r.epochs[0].lr - 0.08 * (1 + 2 + 3 + 4) / 16.0) < 1e-12,
             qPrintable(QString::number(r.epochs[0].lr)));
    // Steps 4-7: the half cosine at 0, 1/3, 2/3 and 1 of its span, 1 + cos summing to 4.
    QVERIFY2(std::abs(r.epochs[1].lr - 0.08 * 0.5 * 4 / 4.0) < 1e-12,
             qPrintable(QString::number(r.epochs[1].lr)));
}

void TestTrainer::divergenceStopsTheRun()
{
    const DatasetPair data = tinyData(640, 50);
    ExperimentConfig c = tinyConfig();
    c.model.norm = NormKind::None;
    c.optimizer.lr = 10.0;
    c.epochs = 5;
    c.optimizer.momentum = 0.99;
    const RunResult r = Trainer(c, data).run();
    QVERIFY(r.status == RunStatus::Diverged);
    const QString message = QString::fromStdString(r.message);
    QVERIFY2(QRegularExpression("^diverged at epoch \\d+, batch \\d+ \\(loss -?nan|inf")
                     .match(message)
                     .hasMatch(),
             qPrintable(message));
}

void TestTrainer::badCheckpointIsAnInputError()
{
    const DatasetPair data = tinyData(64, 20);
    QTemporaryDir tmp;
    const QString path = tmp.path() + "/bogus.pt";
    writeAll(path, "not a checkpoint");
    Trainer trainer(tinyConfig(), data);
    QVERIFY_THROWS_EXCEPTION(InputError, trainer.resumeFrom(path.toStdString()));
    QVERIFY_THROWS_EXCEPTION(InputError,
                             trainer.resumeFrom((tmp.path() + "/missing.pt").toStdString()));
}

QTEST_GUILESS_MAIN(TestTrainer)
#include "test_trainer.moc"
