// The per-layer statistics against the same numbers computed directly from tensors the test
// builds, for every norm, fused and not; the histograms hold every value; a probe changes nothing
// about training; and the trainer reports them every N batches and at each epoch's end.
#include "layer_stats.h"
#include "test_support.h"
#include "train_step.h"
#include "trainer.h"

#include <QTest>

#include <cmath>

using namespace normlab;

namespace {

constexpr double kTolerance = 1e-6;

// One conv block (3 -> 8 channels on 8x8 images), then the pool and the classifier; no dropout,
// so that the block's output is a function of its input.
ModelSpec oneBlock(NormKind norm, bool affine)
{
    ModelSpec spec;
    spec.norm = norm;
    spec.groups = 2;
    spec.affine = affine;
    spec.dropout = 0;
    spec.inputSize = 8;
    LayerSpec block;
    block.name = "conv1";
    block.in = 3;
    block.out = 8;
    LayerSpec pool;
    pool.name = "gap";
    pool.kind = LayerSpec::Kind::GlobalAvgPool;
    LayerSpec classifier;
    classifier.name = "classifier";
    classifier.kind = LayerSpec::Kind::Classifier;
    classifier.in = 8;
    classifier.out = 10;
    classifier.kernel = 1;
    classifier.padding = 0;
    spec.layers = {block, pool, classifier};
    return spec;
}

bool close(double a, double b)
{
    return std::abs(a - b) <= kTolerance * std::max(1.0, std::abs(b));
}

} // namespace

class TestLayerStats : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void statisticsAreTheTensorsOwn_data();
    void statisticsAreTheTensorsOwn();
    void aProbeChangesNothing();
    void theTrainerReportsThem();
};

void TestLayerStats::statisticsAreTheTensorsOwn_data()
{
    QTest::addColumn<int>("norm");
    QTest::addColumn<bool>("affine");
    QTest::addColumn<bool>("fused");
    for (const bool fused : {true, false}) {
        const char *path = fused ? "fused" : "unfused";
        QTest::addRow("batch, %s", path) << int(NormKind::Batch) << true << fused;
        QTest::addRow("group, %s", path) << int(NormKind::Group) << true << fused;
        QTest::addRow("layer, no affine, %s", path) << int(NormKind::Layer) << false << fused;
        QTest::addRow("instance, %s", path) << int(NormKind::Instance) << true << fused;
        QTest::addRow("none, %s", path) << int(NormKind::None) << true << fused;
    }
}

void TestLayerStats::statisticsAreTheTensorsOwn()
{
    QFETCH(int, norm);
    QFETCH(bool, affine);
    QFETCH(bool, fused);
    torch::manual_seed(3);
    Net net(oneBlock(static_cast<NormKind>(norm), affine));
    net->setFused(fused);
    net->train();
    const double lr = 0.1;
    torch::optim::SGD sgd(net->parameters(), torch::optim::SGDOptions(lr));
    const torch::Tensor images = torch::randn({6, 3, 8, 8});
    const torch::Tensor labels = torch::randint(0, 10, {6}, torch::kLong);
    torch::Tensor output; // the block's, seen by the activation observer
    net->setActivationObserver([&](const LayerSpec &layer, const torch::Tensor &y) {
        if (layer.name == "conv1")
            output = y.detach().clone();
    });
    const BlockTensors block = net->blocks().at(0);
    const torch::Tensor weightBefore = block.convWeight.detach().clone();

    LayerStatsProbe probe(net);
    const StepOutcome step =
            trainStep(net, sgd, images, labels, 0.0, [&probe] { probe.beforeStep(); });
    QVERIFY(step.finite);
    probe.afterStep();
    const std::vector<LayerStatsRow> rows = probe.rows();
    QCOMPARE(rows.size(), std::size_t(1));
    const LayerStatsRow &row = rows[0];
    QCOMPARE(row.name, std::string("conv1"));

    // Directly: the convolution with the weights before the step, its ReLU, the output.
    const torch::Tensor x = images.to(torch::kFloat64);
    const torch::Tensor pre =
            torch::conv2d(x, weightBefore.to(torch::kFloat64), {}, 1, 1).relu(); // no bias
    const auto expect = [&](LayerStat s, double value) {
        QVERIFY2(close(row[s], value),
                 qPrintable(QString("%1: %2, expected %3")
                                    .arg(QString::fromUtf8(layerStatName(s).data()))
                                    .arg(row[s], 0, 'g', 12)
                                    .arg(value, 0, 'g', 12)));
    };
    expect(LayerStat::InputMean, x.mean().item<double>());
    expect(LayerStat::InputStd, x.std(false).item<double>());
    expect(LayerStat::PreNormMean, pre.mean().item<double>());
    expect(LayerStat::PreNormStd, pre.std(false).item<double>());
    expect(LayerStat::DeadRelu, (pre == 0).to(torch::kFloat64).mean().item<double>());
    const torch::Tensor y = output.to(torch::kFloat64);
    expect(LayerStat::OutputMean, y.mean().item<double>());
    expect(LayerStat::OutputStd, y.std(false).item<double>());

    // Plain SGD: the update is lr times the gradient.
    const torch::Tensor grad = block.convWeight.grad().to(torch::kFloat64);
    const double weightNorm = block.convWeight.detach().to(torch::kFloat64).norm().item<double>();
    expect(LayerStat::GradNorm, grad.norm().item<double>());
    expect(LayerStat::WeightNorm, weightNorm);
    expect(LayerStat::UpdateRatio, lr * grad.norm().item<double>() / weightNorm);

    const bool hasAffine = static_cast<NormKind>(norm) != NormKind::None && affine;
    QCOMPARE(std::isnan(row[LayerStat::GammaMean]), !hasAffine);
    if (hasAffine) {
        // One step of SGD from gamma = 1, beta = 0.
        const torch::Tensor gamma = block.normWeight.detach().to(torch::kFloat64);
        expect(LayerStat::GammaMean, gamma.mean().item<double>());
        expect(LayerStat::GammaStd, gamma.std(false).item<double>());
        expect(LayerStat::BetaMean,
               block.normBias.detach().to(torch::kFloat64).mean().item<double>());
    }
    const bool batch = static_cast<NormKind>(norm) == NormKind::Batch;
    QCOMPARE(std::isnan(row[LayerStat::RunningMeanGap]), !batch);
    if (batch) {
        const torch::Tensor mean = pre.mean({0, 2, 3});
        const torch::Tensor var = pre.var({0, 2, 3}, false);
        const torch::Tensor runningMean = block.runningMean.to(torch::kFloat64);
        const torch::Tensor runningVar = block.runningVar.to(torch::kFloat64);
        expect(LayerStat::RunningMeanGap,
               ((mean - runningMean).abs() / (runningVar + 1e-5).sqrt()).mean().item<double>());
        expect(LayerStat::RunningVarRatio, (var / (runningVar + 1e-5)).mean().item<double>());
    }
}

// Same seed, same run: a step watched by a probe leaves the same weights as one that is not.
void TestLayerStats::aProbeChangesNothing()
{
    std::vector<torch::Tensor> after[2];
    for (int watched = 0; watched < 2; ++watched) {
        torch::manual_seed(5);
        ModelSpec spec = oneBlock(NormKind::Batch, true);
        spec.dropout = 0.2; // the dropout masks come from the random state
        Net net(spec);
        net->train();
        torch::optim::SGD sgd(net->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
        for (int i = 0; i < 3; ++i) {
            const torch::Tensor images = torch::randn({4, 3, 8, 8});
            const torch::Tensor labels = torch::randint(0, 10, {4}, torch::kLong);
            std::unique_ptr<LayerStatsProbe> probe;
            if (watched)
                probe = std::make_unique<LayerStatsProbe>(net, 16);
            trainStep(net, sgd, images, labels, 0.0,
                      probe ? std::function<void()>([&] { probe->beforeStep(); })
                            : std::function<void()>());
            if (probe) {
                probe->afterStep();
                QCOMPARE(probe->rows().size(), std::size_t(1));
                const std::vector<LayerHistogram> h = probe->histograms();
                QCOMPARE(h.size(), std::size_t(1));
                QCOMPARE(h[0].counts.size(), std::size_t(16));
                std::int64_t total = 0;
                for (const std::int64_t c : h[0].counts)
                    total += c;
                QCOMPARE(total, std::int64_t(4 * 8 * 8 * 8)); // every value, clipped into range
                QVERIFY(h[0].lo < h[0].hi);
            }
        }
        for (const torch::Tensor &p : net->parameters())
            after[watched].push_back(p.detach().clone());
        for (const auto &b : net->named_buffers())
            after[watched].push_back(b.value().clone());
    }
    QCOMPARE(after[0].size(), after[1].size());
    for (std::size_t i = 0; i < after[0].size(); ++i)
        QVERIFY(torch::equal(after[0][i], after[1][i]));
}

void TestLayerStats::theTrainerReportsThem()
{
    ExperimentConfig config = test::quickConfig(2);
    const DatasetPair data = test::tinyData();
    std::vector<LayerStatsSample> samples;
    std::vector<LayerHistogram> histograms;
    TrainerCallbacks callbacks;
    callbacks.layerStatsEvery = 3;
    callbacks.histogramBins = 20;
    callbacks.onLayerStats = [&](const LayerStatsSample &s) { samples.push_back(s); };
    callbacks.onLayerHistograms = [&](const std::vector<LayerHistogram> &h) {
        histograms.insert(histograms.end(), h.begin(), h.end());
    };
    Trainer trainer(config, data);
    const RunResult result = trainer.run(callbacks);
    QVERIFY(result.status == RunStatus::Finished);

    const int blocks = static_cast<int>(Net(buildModelSpec(config.model)).get()->blocks().size());
    int probes = 0;
    for (const LayerStatsSample &s : samples) {
        QCOMPARE(static_cast<int>(s.layers.size()), blocks);
        if (s.step < 0) {
            ++probes;
            QVERIFY(std::isnan(s.layers[0][LayerStat::GradNorm])); // evaluation takes no step
            QVERIFY(std::isnan(s.layers[0][LayerStat::UpdateRatio]));
            QVERIFY(s.layers[0][LayerStat::WeightNorm] > 0); // the weight at the epoch's end
        } else {
            QCOMPARE(s.step % 3, std::int64_t(0));
            QVERIFY(s.layers[0][LayerStat::GradNorm] > 0);
            QVERIFY(s.layers[0][LayerStat::UpdateRatio] > 0);
        }
        for (const LayerStatsRow &row : s.layers)
            QVERIFY(row[LayerStat::OutputStd] > 0);
    }
    QCOMPARE(probes, 2); // one per epoch
    QVERIFY(samples.size() > 2);
    QCOMPARE(static_cast<int>(histograms.size()), 2 * blocks);
    QCOMPARE(histograms.back().epoch, 2);
    QCOMPARE(histograms.back().counts.size(), std::size_t(20));
}

QTEST_GUILESS_MAIN(TestLayerStats)
#include "test_layer_stats.moc"
