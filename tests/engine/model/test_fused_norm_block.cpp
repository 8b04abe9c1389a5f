// The fused ReLU -> norm -> dropout (+ residual) block against the same computation in LibTorch's
// own ops: values, gradients (in double, where the two must agree to rounding), running
// statistics, and the same bits whatever the thread count.
#include "fast_dropout.h"
#include "fused_norm_block.h"

#include <torch/torch.h>

#include <QTest>

using namespace normlab;

namespace {

enum class Norm { BatchTrain, BatchEval, Group, Layer, InstanceAffine, InstancePlain };

struct Case
{
    Norm norm = Norm::BatchTrain;
    bool channelsLast = false;
    bool residual = false;
    double dropout = 0;
};

constexpr std::int64_t kN = 3, kC = 8, kH = 5, kW = 6;
constexpr std::uint64_t kSeed = 1234;
constexpr double kMomentum = 0.1, kEps = 1e-5;

struct Inputs
{
    torch::Tensor conv, residual, weight, bias, runningMean, runningVar, upstream;
};

Inputs makeInputs(const Case &c, torch::Dtype type)
{
    torch::manual_seed(5);
    auto options = torch::TensorOptions().dtype(type);
    const auto format = c.channelsLast ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous;
    Inputs in;
    // A shift, so ReLU keeps about 70 % and the statistics are not centred.
    in.conv = (torch::randn({kN, kC, kH, kW}, options) + 0.5).contiguous(format);
    if (c.residual)
        in.residual = torch::randn({kN, kC, kH, kW}, options).contiguous(format);
    const bool affine = c.norm != Norm::Layer && c.norm != Norm::InstancePlain;
    if (affine) {
        in.weight = 1.0 + 0.3 * torch::randn({kC}, options);
        in.bias = 0.2 * torch::randn({kC}, options);
    }
    in.runningMean = 0.1 * torch::randn({kC}, options);
    in.runningVar = 1.0 + 0.2 * torch::rand({kC}, options);
    in.upstream = torch::randn({kN, kC, kH, kW}, options).contiguous(format);
    return in;
}

FusedNormOptions optionsFor(const Case &c, const Inputs &in)
{
    FusedNormOptions o;
    o.eps = kEps;
    o.momentum = kMomentum;
    o.dropout = c.dropout;
    o.seed = kSeed;
    switch (c.norm) {
    case Norm::BatchTrain:
    case Norm::BatchEval:
        o.stats = FusedNormOptions::Stats::PerChannel;
        o.useBatchStats = c.norm == Norm::BatchTrain;
        o.runningMean = in.runningMean;
        o.runningVar = in.runningVar;
        break;
    case Norm::Group: o.stats = FusedNormOptions::Stats::PerSampleGroup; o.groups = 4; break;
    case Norm::Layer: o.stats = FusedNormOptions::Stats::PerSampleGroup; o.groups = 1; break;
    case Norm::InstanceAffine:
    case Norm::InstancePlain:
        o.stats = FusedNormOptions::Stats::PerSampleGroup;
        o.groups = static_cast<int>(kC);
        break;
    }
    return o;
}

// What the block computes, in LibTorch's own ops.
torch::Tensor reference(const Case &c, const Inputs &in, const torch::Tensor &conv,
                        const torch::Tensor &residual, const torch::Tensor &weight,
                        const torch::Tensor &bias, torch::Tensor runningMean, torch::Tensor runningVar)
{
    torch::Tensor y = torch::relu(conv);
    switch (c.norm) {
    case Norm::BatchTrain:
    case Norm::BatchEval:
        y = torch::batch_norm(y, weight, bias, runningMean, runningVar, c.norm == Norm::BatchTrain,
                              kMomentum, kEps, false);
        break;
    case Norm::Group: y = torch::group_norm(y, 4, weight, bias, kEps); break;
    case Norm::Layer: y = torch::layer_norm(y, {kC, kH, kW}, {}, {}, kEps); break;
    case Norm::InstanceAffine:
    case Norm::InstancePlain:
        y = torch::instance_norm(y, weight, bias, {}, {}, true, kMomentum, kEps, false);
        break;
    }
    if (c.dropout > 0)
        y = y * dropoutMask(conv, c.dropout, kSeed).to(conv.scalar_type());
    return residual.defined() ? y + residual : y;
}

torch::Tensor leaf(const torch::Tensor &t)
{
    return t.defined() ? t.detach().clone().set_requires_grad(true) : t;
}

torch::Tensor gradOf(const torch::Tensor &t)
{
    return t.defined() ? t.grad() : t;
}

struct Outcome
{
    torch::Tensor out, dConv, dResidual, dWeight, dBias, runningMean, runningVar;
};

Outcome runFused(const Case &c, const Inputs &in)
{
    Outcome r;
    torch::Tensor conv = leaf(in.conv), residual = leaf(in.residual), weight = leaf(in.weight), bias = leaf(in.bias);
    FusedNormOptions o = optionsFor(c, in);
    o.runningMean = in.runningMean.clone();
    o.runningVar = in.runningVar.clone();
    r.out = fusedNormBlock(conv, residual, weight, bias, o);
    (r.out * in.upstream).sum().backward();
    r.dConv = conv.grad();
    r.dResidual = gradOf(residual);
    r.dWeight = gradOf(weight);
    r.dBias = gradOf(bias);
    r.runningMean = o.runningMean;
    r.runningVar = o.runningVar;
    return r;
}

Outcome runReference(const Case &c, const Inputs &in)
{
    Outcome r;
    torch::Tensor conv = leaf(in.conv), residual = leaf(in.residual), weight = leaf(in.weight), bias = leaf(in.bias);
    r.runningMean = in.runningMean.clone();
    r.runningVar = in.runningVar.clone();
    r.out = reference(c, in, conv, residual, weight, bias, r.runningMean, r.runningVar);
    (r.out * in.upstream).sum().backward();
    r.dConv = conv.grad();
    r.dResidual = gradOf(residual);
    r.dWeight = gradOf(weight);
    r.dBias = gradOf(bias);
    return r;
}

bool close(const torch::Tensor &a, const torch::Tensor &b, double tolerance)
{
    if (a.defined() != b.defined())
        return false;
    return !a.defined() || torch::allclose(a, b, tolerance, tolerance);
}

} // namespace

Q_DECLARE_METATYPE(Case)

class TestFusedNormBlock : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void matchesLibTorch_data();
    void matchesLibTorch();
    void floatCloseToDouble_data() { matchesLibTorch_data(); }
    void floatCloseToDouble();
    void sameBitsAtAnyThreadCount();
    void finiteDifferences();
    void rejectsWhatItCannotTake();
};

void TestFusedNormBlock::matchesLibTorch_data()
{
    QTest::addColumn<Case>("c");
    const std::pair<const char *, Norm> norms[] = {
            {"batch", Norm::BatchTrain},    {"batch eval", Norm::BatchEval},
            {"group", Norm::Group},         {"layer", Norm::Layer},
            {"instance", Norm::InstanceAffine}, {"instance plain", Norm::InstancePlain},
    };
    for (const auto &[name, norm] : norms) {
        for (bool channelsLast : {false, true}) {
            for (bool residual : {false, true}) {
                for (double dropout : {0.0, 0.3}) {
                    const QByteArray row = QByteArray(name) + (channelsLast ? " nhwc" : " nchw")
                            + (residual ? " residual" : "") + (dropout > 0 ? " dropout" : "");
                    QTest::newRow(row.constData()) << Case {norm, channelsLast, residual, dropout};
                }
            }
        }
    }
}

void TestFusedNormBlock::matchesLibTorch()
{
    QFETCH(Case, c);
    const Inputs in = makeInputs(c, torch::kDouble);
    const Outcome fused = runFused(c, in);
    const Outcome expected = runReference(c, in);
    constexpr double kTolerance = 1e-10;
    QVERIFY(fused.out.is_contiguous(c.channelsLast ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous));
    QVERIFY(close(fused.out, expected.out, kTolerance));
    QVERIFY(close(fused.dConv, expected.dConv, kTolerance));
    QVERIFY(close(fused.dResidual, expected.dResidual, kTolerance));
    QVERIFY(close(fused.dWeight, expected.dWeight, kTolerance));
    QVERIFY(close(fused.dBias, expected.dBias, kTolerance));
    QVERIFY(close(fused.runningMean, expected.runningMean, kTolerance));
    QVERIFY(close(fused.runningVar, expected.runningVar, kTolerance));
    if (c.norm == Norm::BatchTrain)
        QVERIFY(!torch::equal(fused.runningMean, in.runningMean)); // updated, as LibTorch's
}

void TestFusedNormBlock::floatCloseToDouble()
{
    QFETCH(Case, c);
    // The same numbers in both types: LibTorch draws float and double differently.
    const Inputs exactInputs = makeInputs(c, torch::kDouble);
    Inputs singleInputs = exactInputs;
    for (torch::Tensor *t : {&singleInputs.conv, &singleInputs.residual, &singleInputs.weight, &singleInputs.bias,
                             &singleInputs.runningMean, &singleInputs.runningVar, &singleInputs.upstream})
        if (t->defined())
            *t = t->to(torch::kFloat);
    const Outcome single = runFused(c, singleInputs);
    const Outcome exact = runFused(c, exactInputs);
    QVERIFY(close(single.out.to(torch::kDouble), exact.out, 1e-4));
    QVERIFY(close(single.dConv.to(torch::kDouble), exact.dConv, 1e-4));
    if (exact.dWeight.defined())
        QVERIFY(close(single.dWeight.to(torch::kDouble), exact.dWeight, 1e-3));
}

void TestFusedNormBlock::sameBitsAtAnyThreadCount()
{
    // Large enough to be split over threads: the first s8 block at batch 16.
    torch::manual_seed(9);
    for (bool channelsLast : {false, true}) {
        const auto format = channelsLast ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous;
        const torch::Tensor conv = torch::randn({16, 24, 32, 32}).contiguous(format);
        const torch::Tensor upstream = torch::randn({16, 24, 32, 32}).contiguous(format);
        const torch::Tensor weight = torch::rand({24}) + 0.5, bias = torch::randn({24});
        auto run = [&](int threads, FusedNormOptions::Stats stats) {
            torch::set_num_threads(threads);
            FusedNormOptions o;
            o.stats = stats;
            o.groups = 4;
            o.runningMean = torch::zeros({24});
            o.runningVar = torch::ones({24});
            o.dropout = 0.05;
            o.seed = 77;
            torch::Tensor x = conv.clone().set_requires_grad(true);
            torch::Tensor out = fusedNormBlock(x, conv, weight, bias, o);
            (out * upstream).sum().backward();
            return std::vector<torch::Tensor> {out, x.grad(), o.runningMean, o.runningVar};
        };
        for (auto stats : {FusedNormOptions::Stats::PerChannel, FusedNormOptions::Stats::PerSampleGroup}) {
            const auto one = run(1, stats);
            const auto two = run(2, stats);
            for (std::size_t i = 0; i < one.size(); ++i)
                QVERIFY2(torch::equal(one[i], two[i]), channelsLast ? "channels-last" : "nchw");
        }
    }
    torch::set_num_threads(1);
}

void TestFusedNormBlock::finiteDifferences()
{
    // The analytic gradient against central differences, away from ReLU's kink.
    torch::manual_seed(3);
    torch::Tensor conv = torch::randn({2, 4, 3, 3}, torch::kDouble);
    conv = torch::where(conv.abs() < 0.1, conv.sign() * 0.1 + conv, conv);
    const torch::Tensor upstream = torch::randn({2, 4, 3, 3}, torch::kDouble);
    const torch::Tensor weight = 1.0 + 0.3 * torch::randn({4}, torch::kDouble), bias = torch::randn({4}, torch::kDouble);
    for (auto stats : {FusedNormOptions::Stats::PerChannel, FusedNormOptions::Stats::PerSampleGroup}) {
        FusedNormOptions o;
        o.stats = stats;
        o.groups = 2;
        o.dropout = 0.2;
        o.seed = 11;
        auto loss = [&](const torch::Tensor &x) {
            torch::NoGradGuard noGrad;
            return (fusedNormBlock(x, {}, weight, bias, o) * upstream).sum().item<double>();
        };
        torch::Tensor x = conv.clone().set_requires_grad(true);
        (fusedNormBlock(x, {}, weight, bias, o) * upstream).sum().backward();
        const torch::Tensor analytic = x.grad();
        constexpr double kStep = 1e-6;
        for (std::int64_t i = 0; i < conv.numel(); ++i) {
            torch::Tensor plus = conv.clone(), minus = conv.clone();
            plus.view(-1)[i] += kStep;
            minus.view(-1)[i] -= kStep;
            const double numeric = (loss(plus) - loss(minus)) / (2 * kStep);
            QVERIFY2(std::abs(numeric - analytic.view(-1)[i].item<double>()) < 1e-6,
                     qPrintable(QString("element %1: %2 vs %3").arg(i).arg(numeric).arg(analytic.view(-1)[i].item<double>())));
        }
    }
}

void TestFusedNormBlock::rejectsWhatItCannotTake()
{
    const torch::Tensor conv = torch::randn({2, 4, 3, 3});
    QVERIFY(canFuseNormBlock(conv, {}, {}, {}));
    QVERIFY(!canFuseNormBlock(conv.to(torch::kHalf), {}, {}, {}));
    QVERIFY(!canFuseNormBlock(conv.transpose(2, 3), {}, {}, {}));
    QVERIFY(!canFuseNormBlock(conv, conv.contiguous(torch::MemoryFormat::ChannelsLast), {}, {}));
    QVERIFY(!canFuseNormBlock(conv, {}, torch::ones({3}), {}));
    QVERIFY(!canFuseNormBlock(conv.flatten(2), {}, {}, {}));
    FusedNormOptions groups;
    groups.stats = FusedNormOptions::Stats::PerSampleGroup;
    groups.groups = 3;
    QVERIFY_THROWS_EXCEPTION(c10::Error, fusedNormBlock(conv, {}, {}, {}, groups));
    FusedNormOptions noRunning;
    noRunning.useBatchStats = false;
    QVERIFY_THROWS_EXCEPTION(c10::Error, fusedNormBlock(conv, {}, {}, {}, noRunning));
}

QTEST_GUILESS_MAIN(TestFusedNormBlock)
#include "test_fused_norm_block.moc"
