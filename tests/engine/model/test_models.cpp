// Parameter counts of the reference networks, their switches, and the forward pass.
#include "fast_dropout.h"
#include "model_spec.h"
#include "net.h"
#include "presets.h"

#include <QTest>

using namespace normlab;

class TestModels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parameterCounts_data();
    void parameterCounts();
    void forwardShapeAndProbabilities();
    void summaryShapes();
    void residualSwitchChangesOutput();
    void dropoutMaskDistribution();
    void dropoutMaskIndependentOfThreads();
    void dropoutFollowsTrainingMode();
};

Q_DECLARE_METATYPE(normlab::ModelConfig)

void TestModels::parameterCounts_data()
{
    QTest::addColumn<ModelConfig>("model");
    QTest::addColumn<qint64>("expected");

    QTest::newRow("s8-bn") << presetConfig("s8-bn").model << qint64(48'552);
    QTest::newRow("s8-gn") << presetConfig("s8-gn").model << qint64(48'552);
    QTest::newRow("s8-ln (no affine)") << presetConfig("s8-ln").model << qint64(48'072);
    QTest::newRow("s9") << presetConfig("s9").model << qint64(167'424);

    ModelConfig noNorm = presetConfig("s8-bn").model;
    noNorm.norm = NormKind::None;
    QTest::newRow("s8 no norm") << noNorm << qint64(48'072);
    ModelConfig instance = presetConfig("s8-bn").model;
    instance.norm = NormKind::Instance;
    QTest::newRow("s8 instance affine") << instance << qint64(48'552);
    ModelConfig layerAffine = presetConfig("s8-ln").model;
    layerAffine.affine = true; // per-element scale and shift: 2*C*H*W per layer
    QTest::newRow("s8 layer affine")
            << layerAffine
            << qint64(48'072 + 2 * (2 * 24 * 32 * 32 + 3 * 32 * 16 * 16 + 3 * 32 * 8 * 8));
    ModelConfig noSkip = presetConfig("s8-bn").model;
    noSkip.skip = false;
    QTest::newRow("s8 without skips") << noSkip << qint64(48'552);
    ModelConfig fullC5 = presetConfig("s9").model;
    fullC5.depthwise = false; // 32*32*9 weights instead of 32*9
    QTest::newRow("s9 without depthwise") << fullC5 << qint64(167'424 - 288 + 9'216);
    ModelConfig noDilation = presetConfig("s9").model;
    noDilation.dilation = false;
    QTest::newRow("s9 without dilation") << noDilation << qint64(167'424);
}

void TestModels::parameterCounts()
{
    QFETCH(ModelConfig, model);
    QFETCH(qint64, expected);
    const ModelSpec spec = buildModelSpec(model);
    QCOMPARE(summarize(spec).totalParams, expected);
    Net net(spec);
    QCOMPARE(net->parameterCount(), expected);
}

void TestModels::forwardShapeAndProbabilities()
{
    torch::manual_seed(0);
    for (const char *preset : {"s8-bn", "s8-gn", "s8-ln", "s9"}) {
        Net net(buildModelSpec(presetConfig(preset).model));
        net->eval();
        torch::NoGradGuard noGrad;
        const torch::Tensor out = net->forward(torch::randn({4, 3, 32, 32}));
        QCOMPARE(out.sizes().vec(), (std::vector<int64_t> {4, 10}));
        const torch::Tensor sums = out.exp().sum(1);
        QVERIFY2(torch::allclose(sums, torch::ones({4}), 1e-4, 1e-4), preset);
    }
}

void TestModels::summaryShapes()
{
    const ModelSummary s9 = summarize(buildModelSpec(presetConfig("s9").model));
    auto row = [&](const std::string &name) {
        for (const SummaryRow &r : s9.rows)
            if (r.layer == name)
                return r;
        return SummaryRow {};
    };
    QCOMPARE(row("C3.conv").height, 16); // stride 2
    QCOMPARE(row("C4.conv").height, 16); // dilation 2 with padding 2 keeps the size
    QCOMPARE(row("C9.conv").channels, 96);
    QCOMPARE(row("C9.conv").height, 4);
    QCOMPARE(row("head.conv").channels, 10);
    QCOMPARE(row("C5.conv").params, 288); // depthwise: 32 filters of 3x3x1
    QCOMPARE(row("C2.conv").macs, qint64(9216) * 32 * 32);
    QVERIFY(s9.totalMacs > 0);
    QVERIFY(!formatSummary(s9).empty());
}

void TestModels::residualSwitchChangesOutput()
{
    ModelConfig with = presetConfig("s8-bn").model;
    ModelConfig without = with;
    without.skip = false;
    torch::manual_seed(1);
    Net a(buildModelSpec(with));
    torch::manual_seed(1);
    Net b(buildModelSpec(without));
    a->eval();
    b->eval();
    torch::NoGradGuard noGrad;
    const torch::Tensor x = torch::randn({2, 3, 32, 32});
    QVERIFY(!torch::allclose(a->forward(x), b->forward(x)));
}

void TestModels::dropoutMaskDistribution()
{
    const torch::Tensor like = torch::zeros({64, 24, 32, 32});
    const torch::Tensor mask = dropoutMask(like, 0.05, 42);
    const double keep = 1.0 / 0.95;
    const auto zeros = mask.eq(0).sum().item<std::int64_t>();
    const auto kept = mask.eq(static_cast<float>(keep)).sum().item<std::int64_t>();
    QCOMPARE(zeros + kept, like.numel());
    const double rate = static_cast<double>(zeros) / static_cast<double>(like.numel());
    QVERIFY2(std::abs(rate - 0.05) < 0.001, qPrintable(QString::number(rate)));
    QVERIFY(!torch::equal(mask, dropoutMask(like, 0.05, 43)));
    QVERIFY(torch::equal(mask, dropoutMask(like, 0.05, 42)));
    // The mean is preserved, as with LibTorch's dropout.
    QVERIFY(std::abs(mask.mean().item<double>() - 1.0) < 0.005);
}

void TestModels::dropoutMaskIndependentOfThreads()
{
    const torch::Tensor like =
            torch::zeros({8, 32, 16, 16}).contiguous(torch::MemoryFormat::ChannelsLast);
    const int threads = torch::get_num_threads();
    torch::set_num_threads(1);
    const torch::Tensor one = dropoutMask(like, 0.3, 7);
    torch::set_num_threads(2);
    const torch::Tensor two = dropoutMask(like, 0.3, 7);
    torch::set_num_threads(threads);
    QVERIFY(torch::equal(one, two));
    QVERIFY(two.is_contiguous(torch::MemoryFormat::ChannelsLast));
}

void TestModels::dropoutFollowsTrainingMode()
{
    FastDropout dropout(0.5);
    const torch::Tensor x = torch::ones({4, 8, 8, 8}, torch::requires_grad());
    torch::Tensor y = dropout->forward(x);
    QVERIFY(y.eq(0).any().item<bool>());
    y.sum().backward();
    QVERIFY(torch::equal(x.grad(), y.detach())); // d(x * mask)/dx = mask
    dropout->eval();
    QVERIFY(torch::equal(dropout->forward(x), x));
}

QTEST_GUILESS_MAIN(TestModels)
#include "test_models.moc"
