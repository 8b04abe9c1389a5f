// The learning-rate range test: torch-lr-finder's schedule, smoothing, stop and suggestion, and a
// model and optimizer left exactly as they were.

#include "batch_loader.h"
#include "errors.h"
#include "lr_range_test.h"
#include "presets.h"
#include "synthetic.h"
#include "test_support.h"
#include "train_step.h"

#include <QtTest>

#include <cmath>

using namespace normlab;

namespace {

std::vector<LrRangePoint> curve(const std::vector<double> &smoothed)
{
    std::vector<LrRangePoint> points;
    for (std::size_t i = 0; i < smoothed.size(); ++i)
        points.push_back({1e-3 * std::pow(10.0, double(i)), smoothed[i], smoothed[i]});
    return points;
}

ExperimentConfig smallConfig()
{
    ExperimentConfig c = presetConfig("s8-gn");
    c.threads = 1;
    c.batchSize = 16;
    return c;
}

} // namespace

class TestLrRangeTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // numpy.gradient's differences: central inside, one-sided at the ends of what is kept.
    void steepestDescent_data()
    {
        QTest::addColumn<QList<double>>("smoothed");
        QTest::addColumn<int>("skipStart");
        QTest::addColumn<int>("skipEnd");
        QTest::addColumn<int>("index");
        QTest::newRow("steepest in the middle") << QList<double> {2.3, 2.2, 1.5, 1.0, 0.9, 3.0}
                                                << 0 << 0 << 2;
        QTest::newRow("skips leave the drop out")
                << QList<double> {2.3, 1.0, 0.9, 0.85, 0.84, 3.0} << 2 << 1 << 2;
        QTest::newRow("one-sided at the first kept") << QList<double> {3, 1, 0.9, 0.8}
                                                     << 0 << 0 << 0;
        QTest::newRow("too few left") << QList<double> {3, 1, 0.9} << 2 << 1 << -1;
    }
    void steepestDescent()
    {
        QFETCH(QList<double>, smoothed);
        QFETCH(int, skipStart);
        QFETCH(int, skipEnd);
        QFETCH(int, index);
        QCOMPARE(steepestDescentIndex(curve({smoothed.begin(), smoothed.end()}), skipStart,
                                      skipEnd),
                 index);
    }

    void badOptionsAreNamed_data()
    {
        QTest::addColumn<double>("start");
        QTest::addColumn<double>("end");
        QTest::addColumn<int>("iterations");
        QTest::addColumn<QString>("field");
        QTest::newRow("end below start") << 1e-2 << 1e-3 << 100 << "'end'";
        QTest::newRow("zero start") << 0.0 << 1.0 << 100 << "'start'";
        QTest::newRow("one batch") << 1e-5 << 1.0 << 1 << "'iters'";
    }
    void badOptionsAreNamed()
    {
        QFETCH(double, start);
        QFETCH(double, end);
        QFETCH(int, iterations);
        QFETCH(QString, field);
        LrRangeTestOptions o;
        o.startLr = start;
        o.endLr = end;
        o.iterations = iterations;
        try {
            validate(o);
            QFAIL("accepted");
        } catch (const ConfigError &e) {
            QVERIFY2(QString(e.what()).contains(field), e.what());
        }
    }

    // The schedule reaches the end value at the last batch, the smoothing is torch-lr-finder's,
    // and the model, the optimizer (momentum buffers included) and the random state are put back:
    // the step taken after the test is the step that would have been taken without it.
    void scheduleSmoothingAndRestore()
    {
        const ExperimentConfig c = smallConfig();
        const Dataset train = makeSyntheticDataset(320, 3);
        torch::manual_seed(1);
        Net model(buildModelSpec(c.model, train.numClasses()));
        auto optimizer = makeOptimizer(c.optimizer, model->parameters());
        BatchLoaderOptions lo;
        lo.batchSize = c.batchSize;
        lo.dropLast = true;
        BatchLoader loader(train, Augmenter(c.augment), c.normalize, lo);
        loader.startEpoch(0);
        const Batch batch = *loader.next();
        trainStep(model, *optimizer, batch.images, batch.labels, 0); // momentum buffers exist
        const at::Tensor rngAfterStep1 = at::detail::getDefaultCPUGenerator().get_state();

        std::vector<torch::Tensor> before;
        for (const torch::Tensor &t : model->parameters())
            before.push_back(t.detach().clone());
        LrRangeTestOptions o;
        o.startLr = 1e-4;
        o.endLr = 1e-1;
        o.iterations = 30; // more than one epoch of 20 batches
        const LrRangeResult r = runLrRangeTest(model, *optimizer, loader, 0, o);
        QCOMPARE(int(r.points.size()), 30);
        QVERIFY(!r.diverged);
        QVERIFY(qAbs(r.points.front().lr - 1e-4) < 1e-12);
        QVERIFY(qAbs(r.points.back().lr - 1e-1) < 1e-12);
        QVERIFY(qAbs(r.points[10].lr / r.points[9].lr - std::pow(1e3, 1.0 / 29)) < 1e-9);
        QCOMPARE(r.points[0].smoothedLoss, r.points[0].loss);
        QVERIFY(qAbs(r.points[1].smoothedLoss -
                     (0.05 * r.points[1].loss + 0.95 * r.points[0].smoothedLoss)) < 1e-12);
        QVERIFY(r.suggestedLr.has_value());
        QCOMPARE(*r.suggestedLr, r.points[r.suggestedIndex].lr);
        QVERIFY(r.suggestedIndex >= 10 && r.suggestedIndex <= 24);

        std::size_t i = 0;
        for (const torch::Tensor &t : model->parameters())
            QVERIFY(torch::equal(t, before[i++]));
        QCOMPARE(optimizer->param_groups().front().options().get_lr(), c.optimizer.lr);
        QVERIFY(torch::equal(rngAfterStep1, at::detail::getDefaultCPUGenerator().get_state()));
        // The steps after the test equal those of a model that never saw it (the second step's
        // loss depends on the first's momentum).
        const StepOutcome ours = trainStep(model, *optimizer, batch.images, batch.labels, 0);
        const StepOutcome ours2 = trainStep(model, *optimizer, batch.images, batch.labels, 0);
        torch::manual_seed(1);
        Net twin(buildModelSpec(c.model, train.numClasses()));
        auto twinOptimizer = makeOptimizer(c.optimizer, twin->parameters());
        trainStep(twin, *twinOptimizer, batch.images, batch.labels, 0);
        const StepOutcome theirs = trainStep(twin, *twinOptimizer, batch.images, batch.labels, 0);
        const StepOutcome theirs2 = trainStep(twin, *twinOptimizer, batch.images, batch.labels, 0);
        QCOMPARE(ours.loss, theirs.loss);
        QCOMPARE(ours2.loss, theirs2.loss);
    }

    // Far past a usable rate the smoothed loss runs away: the test stops there, as torch-lr-finder
    // does at five times the best smoothed loss.
    void stopsWhenTheLossDiverges()
    {
        const ExperimentConfig c = smallConfig();
        const Dataset train = makeSyntheticDataset(640, 4);
        LrRangeTestOptions o;
        o.startLr = 1e-3;
        o.endLr = 1e4;
        o.iterations = 200;
        o.smoothing = 0.5;
        int reported = 0;
        const LrRangeResult r =
                lrRangeTest(c, train, o, {[&](int, const LrRangePoint &) { ++reported; }, {}});
        QVERIFY(r.diverged);
        QVERIFY(r.points.size() < 200);
        QCOMPARE(reported, int(r.points.size()));
        QVERIFY(r.points.back().lr > 1e-3);
    }
};

QTEST_GUILESS_MAIN(TestLrRangeTest)
#include "test_lr_range_test.moc"
