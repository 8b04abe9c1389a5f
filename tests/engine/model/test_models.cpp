// Parameter counts of the reference networks and of Stages nets, their switches, the forward pass,
// every norm on every block (the fused tails against LibTorch's separate ops), skips around whole
// blocks, and the dropout masks.
#include "fast_dropout.h"
#include "model_spec.h"
#include "net.h"
#include "presets.h"

#include <QTest>

#include <map>

using namespace normlab;

namespace {

constexpr double kDoubleTolerance = 1e-9;

ModelConfig smallStages(BlockKind block)
{
    ModelConfig m;
    m.arch = Architecture::Stages;
    m.block = block;
    m.widths = {8, 16};
    m.depths = {1, 1};
    m.kernel = 5;
    m.expansion = 2;
    m.groups = 2;
    m.dropout = 0;
    return m;
}

const LayerSpec *layerNamed(const ModelSpec &spec, const std::string &name)
{
    for (const LayerSpec &l : spec.layers)
        if (l.name == name)
            return &l;
    return nullptr;
}

} // namespace

class TestModels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parameterCounts_data();
    void parameterCounts();
    void forwardShapeAndProbabilities();
    void summaryShapes();
    void residualSwitchChangesOutput_data();
    void residualSwitchChangesOutput();
    void dropoutMaskDistribution();
    void dropoutMaskIndependentOfThreads();
    void dropoutFollowsTrainingMode();
    void everyNormOnEveryBlock_data();
    void everyNormOnEveryBlock();
    void skipGoesAroundTheWholeBlock_data();
    void skipGoesAroundTheWholeBlock();
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

    // Stages nets
    // Stem 3x3 3->8 (216 + 16 BatchNorm), S2_in 1x1 8->16 (128 + 32), head 1x1 16->10 (160):
    // 552 around the blocks. Each block at widths 8 and 16, kernel 5:
    // plain 8*8*25 + 16 and 16*16*25 + 32; residual twice that;
    // separable 8*25 + 16 + 8*8 + 16 and 16*25 + 32 + 16*16 + 32;
    // inverted (expansion 2) 8*25 + 16 + 8*16 + 32 + 16*8 and 16*25 + 32 + 16*32 + 64 + 32*16.
    QTest::newRow("plain") << smallStages(BlockKind::Plain) << qint64(552 + 1616 + 6432);
    QTest::newRow("residual") << smallStages(BlockKind::Residual)
                              << qint64(552 + 2 * 1616 + 2 * 6432);
    QTest::newRow("separable") << smallStages(BlockKind::Separable) << qint64(552 + 296 + 720);
    QTest::newRow("inverted") << smallStages(BlockKind::Inverted) << qint64(552 + 504 + 1520);
    // Squeeze-excite through C/4 channels, both convolutions with a bias: 2*C*C/4 + C/4 + C.
    ModelConfig se = smallStages(BlockKind::Separable);
    se.squeezeExcite = true;
    QTest::newRow("separable + SE") << se << qint64(552 + 296 + 720 + 42 + 148);
    ModelConfig group = smallStages(BlockKind::Inverted);
    group.norm = NormKind::Group;
    QTest::newRow("inverted, GroupNorm") << group << qint64(552 + 504 + 1520);
    ModelConfig none = smallStages(BlockKind::Separable);
    none.norm = NormKind::None;
    // every conv block loses its 2*C norm parameters: stem, S2_in, two per block
    QTest::newRow("separable, no norm")
            << none << qint64(552 + 296 + 720 - 16 - 32 - 2 * 16 - 2 * 32);
    QTest::newRow("tiny preset") << presetConfig("tiny").model << qint64(48'256);
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

void TestModels::residualSwitchChangesOutput_data()
{
    QTest::addColumn<ModelConfig>("with");
    QTest::newRow("s8") << presetConfig("s8-bn").model;
    QTest::newRow("s9") << presetConfig("s9").model;
    QTest::newRow("stages, separable") << smallStages(BlockKind::Separable);
    QTest::newRow("stages, inverted") << smallStages(BlockKind::Inverted);
}

void TestModels::residualSwitchChangesOutput()
{
    QFETCH(ModelConfig, with);
    ModelConfig without = with;
    without.skip = false;
    for (const LayerSpec &l : buildModelSpec(without).layers)
        QVERIFY2(!l.residual, l.name.c_str());
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

void TestModels::everyNormOnEveryBlock_data()
{
    QTest::addColumn<ModelConfig>("model");
    const std::vector<std::pair<const char *, BlockKind>> blocks = {
            {"plain", BlockKind::Plain},
            {"residual", BlockKind::Residual},
            {"separable", BlockKind::Separable},
            {"inverted", BlockKind::Inverted}};
    const std::vector<std::pair<const char *, NormKind>> norms = {{"batch", NormKind::Batch},
                                                                  {"group", NormKind::Group},
                                                                  {"layer", NormKind::Layer},
                                                                  {"instance", NormKind::Instance},
                                                                  {"none", NormKind::None}};
    for (const auto &[blockName, block] : blocks)
        for (const auto &[normName, norm] : norms)
            for (const bool se : {false, true}) {
                ModelConfig m = smallStages(block);
                m.norm = norm;
                m.affine = norm != NormKind::Layer; // the fused tail takes LayerNorm without one
                m.squeezeExcite = se;
                QTest::newRow(
                        qPrintable(QString("%1-%2%3").arg(blockName, normName, se ? "-se" : "")))
                        << m;
            }
}

void TestModels::everyNormOnEveryBlock()
{
    // A training step's output and gradients, through the fused tails and through LibTorch's
    // separate ops, in double precision: the same network computed two ways.
    QFETCH(ModelConfig, model);
    torch::manual_seed(3);
    Net fused(buildModelSpec(model));
    torch::manual_seed(3);
    Net unfused(buildModelSpec(model));
    fused->setFused(true);
    unfused->setFused(false);
    fused->to(torch::kFloat64);
    unfused->to(torch::kFloat64);
    const torch::Tensor x = torch::randn({4, 3, 32, 32}, torch::kFloat64);
    const torch::Tensor target = torch::tensor({1, 2, 3, 4});
    const torch::Tensor a = fused->forward(x);
    const torch::Tensor b = unfused->forward(x);
    QCOMPARE(a.sizes().vec(), (std::vector<int64_t> {4, 10}));
    QVERIFY(torch::allclose(a, b, kDoubleTolerance, kDoubleTolerance));
    torch::nll_loss(a, target).backward();
    torch::nll_loss(b, target).backward();
    const auto fusedParams = fused->named_parameters();
    const auto unfusedParams = unfused->named_parameters();
    for (const auto &p : fusedParams) {
        const torch::Tensor &other = unfusedParams[p.key()];
        QVERIFY2(p.value().grad().defined(), qPrintable(QString::fromStdString(p.key())));
        QVERIFY2(
                torch::allclose(p.value().grad(), other.grad(), kDoubleTolerance, kDoubleTolerance),
                qPrintable(QString::fromStdString(p.key())));
    }
}

void TestModels::skipGoesAroundTheWholeBlock_data()
{
    QTest::addColumn<ModelConfig>("model");
    QTest::addColumn<QString>("lastLayer"); // the block's last layer, which takes the skip
    QTest::addColumn<QString>("zeroed"); // a convolution whose zero weights silence the branch
    QTest::addColumn<int>("span");
    ModelConfig inverted = smallStages(BlockKind::Inverted);
    QTest::newRow("inverted") << inverted << "S1B1_proj"
                              << "S1B1_proj_conv.weight" << 3;
    inverted.squeezeExcite = true;
    QTest::newRow("inverted + SE") << inverted << "S1B1_se"
                                   << "S1B1_proj_conv.weight" << 4;
    ModelConfig separable = smallStages(BlockKind::Separable);
    separable.norm = NormKind::None;
    QTest::newRow("separable") << separable << "S1B1_pw"
                               << "S1B1_pw_conv.weight" << 2;
    ModelConfig residual = smallStages(BlockKind::Residual);
    residual.norm = NormKind::None;
    QTest::newRow("residual") << residual << "S1B1_b"
                              << "S1B1_b_conv.weight" << 2;
}

void TestModels::skipGoesAroundTheWholeBlock()
{
    // With the branch silenced (a last convolution of zeros: with no norm after it, or a bare
    // one), the block passes its input through unchanged: the skip starts at the block's first
    // layer, not at its last.
    QFETCH(ModelConfig, model);
    QFETCH(QString, lastLayer);
    QFETCH(QString, zeroed);
    QFETCH(int, span);
    const ModelSpec spec = buildModelSpec(model);
    const LayerSpec *last = layerNamed(spec, lastLayer.toStdString());
    QVERIFY(last);
    QVERIFY(last->residual);
    QCOMPARE(last->residualSpan, span);

    torch::manual_seed(5);
    Net net(spec);
    net->eval();
    torch::NoGradGuard noGrad;
    net->named_parameters()[zeroed.toStdString()].zero_();
    std::map<std::string, torch::Tensor> outputs;
    net->setActivationObserver(
            [&](const LayerSpec &layer, const torch::Tensor &out) { outputs[layer.name] = out; });
    net->forward(torch::randn({2, 3, 32, 32}));
    QVERIFY(torch::equal(outputs.at(lastLayer.toStdString()), outputs.at("stem")));
}

QTEST_GUILESS_MAIN(TestModels)
#include "test_models.moc"
