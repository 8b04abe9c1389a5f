// The Stages net's building blocks: their parameter counts, every norm on every block (the fused
// tails against LibTorch's separate ops), and skips that go around a whole block.
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

class TestModelBlocks : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parameterCounts_data();
    void parameterCounts();
    void everyNormOnEveryBlock_data();
    void everyNormOnEveryBlock();
    void skipGoesAroundTheWholeBlock_data();
    void skipGoesAroundTheWholeBlock();
    void skipSwitchRemovesTheSkips();
};

Q_DECLARE_METATYPE(normlab::ModelConfig)

void TestModelBlocks::parameterCounts_data()
{
    QTest::addColumn<ModelConfig>("model");
    QTest::addColumn<qint64>("expected");

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

void TestModelBlocks::parameterCounts()
{
    QFETCH(ModelConfig, model);
    QFETCH(qint64, expected);
    const ModelSpec spec = buildModelSpec(model);
    QCOMPARE(summarize(spec).totalParams, expected);
    Net net(spec);
    QCOMPARE(net->parameterCount(), expected);
}

void TestModelBlocks::everyNormOnEveryBlock_data()
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

void TestModelBlocks::everyNormOnEveryBlock()
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

void TestModelBlocks::skipGoesAroundTheWholeBlock_data()
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

void TestModelBlocks::skipGoesAroundTheWholeBlock()
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

void TestModelBlocks::skipSwitchRemovesTheSkips()
{
    ModelConfig with = smallStages(BlockKind::Separable);
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

QTEST_GUILESS_MAIN(TestModelBlocks)
#include "test_model_blocks.moc"
