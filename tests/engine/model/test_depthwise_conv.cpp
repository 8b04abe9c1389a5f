// The depthwise convolution with its own weight gradient against LibTorch's convolution: the same
// output and input gradient (both are LibTorch's), the weight gradient to float rounding, the same
// bits at any thread count, and a net with separable blocks training alike on either path.
#include "depthwise_conv.h"
#include "model_spec.h"
#include "net.h"
#include "presets.h"

#include <torch/torch.h>

#include <QTest>

using namespace normlab;

namespace {

struct Gradients
{
    torch::Tensor out, input, weight;
};

Gradients throughLibTorch(const torch::Tensor &x, const torch::Tensor &w, const torch::Tensor &up,
                          std::int64_t padding, std::int64_t dilation)
{
    torch::Tensor xi = x.detach().clone().set_requires_grad(true);
    torch::Tensor wi = w.detach().clone().set_requires_grad(true);
    torch::Tensor out = torch::conv2d(xi, wi, {}, 1, padding, dilation, w.size(0));
    (out * up).sum().backward();
    return {out.detach(), xi.grad(), wi.grad()};
}

Gradients throughOurs(const torch::Tensor &x, const torch::Tensor &w, const torch::Tensor &up,
                      std::int64_t padding, std::int64_t dilation)
{
    torch::Tensor xi = x.detach().clone().set_requires_grad(true);
    torch::Tensor wi = w.detach().clone().set_requires_grad(true);
    torch::Tensor out = depthwiseConv2d(xi, wi, padding, dilation);
    (out * up).sum().backward();
    return {out.detach(), xi.grad(), wi.grad()};
}

double largestRelativeDifference(const torch::Tensor &a, const torch::Tensor &b)
{
    return ((a - b).abs().max() / b.abs().max().clamp_min(1e-12)).item<double>();
}

} // namespace

class TestDepthwiseConv : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init() { torch::set_num_threads(1); }

    void matchesLibTorch_data()
    {
        QTest::addColumn<int>("channels");
        QTest::addColumn<int>("size");
        QTest::addColumn<int>("kernel");
        QTest::addColumn<int>("padding");
        QTest::addColumn<int>("dilation");
        QTest::newRow("3x3 same") << 8 << 9 << 3 << 1 << 1;
        QTest::newRow("5x5 same, tiny's first stage") << 32 << 16 << 5 << 2 << 1;
        QTest::newRow("7x7 same, odd channel count") << 13 << 8 << 7 << 3 << 1;
        QTest::newRow("3x3 dilated 2, s9's C5") << 32 << 11 << 3 << 2 << 2;
        QTest::newRow("5x5 no padding: smaller output") << 8 << 10 << 5 << 0 << 1;
        QTest::newRow("3x3 padding wider than the kernel") << 4 << 6 << 3 << 3 << 1;
        QTest::newRow("kernel larger than the image") << 6 << 3 << 7 << 3 << 1;
    }

    void matchesLibTorch()
    {
        QFETCH(int, channels);
        QFETCH(int, size);
        QFETCH(int, kernel);
        QFETCH(int, padding);
        QFETCH(int, dilation);
        torch::manual_seed(3);
        const auto cl = torch::MemoryFormat::ChannelsLast;
        const torch::Tensor x = torch::randn({3, channels, size, size}).contiguous(cl);
        const torch::Tensor w = torch::randn({channels, 1, kernel, kernel}) * 0.2;
        const std::int64_t out = size + 2 * padding - dilation * (kernel - 1);
        // A non-channels-last upstream gradient, as a following view or reshape can hand back.
        const torch::Tensor up = torch::randn({3, channels, out, out});
        QVERIFY(canRunDepthwiseConv(x, w));
        const Gradients theirs = throughLibTorch(x, w, up, padding, dilation);
        const Gradients ours = throughOurs(x, w, up, padding, dilation);
        QVERIFY(torch::equal(ours.out, theirs.out));
        QVERIFY(torch::allclose(ours.input, theirs.input, 1e-5, 1e-5));
        QCOMPARE(ours.weight.sizes(), theirs.weight.sizes());
        const double diff = largestRelativeDifference(ours.weight, theirs.weight);
        QVERIFY2(diff < 1e-5, qPrintable(QString("weight gradient off by %1").arg(diff)));

        // And against the sum written out in double, which neither side computes.
        const torch::Tensor xd = x.to(torch::kDouble), ud = up.to(torch::kDouble);
        torch::Tensor exact = torch::zeros({channels, kernel, kernel}, torch::kDouble);
        const torch::Tensor padded =
                torch::constant_pad_nd(xd, {padding, padding, padding, padding});
        for (int i = 0; i < kernel; ++i)
            for (int j = 0; j < kernel; ++j) {
                const torch::Tensor tap =
                        padded.narrow(2, i * dilation, out).narrow(3, j * dilation, out);
                exact.select(1, i).select(1, j).copy_((tap * ud).sum({0, 2, 3}));
            }
        const double exactDiff =
                largestRelativeDifference(ours.weight.to(torch::kDouble).squeeze(1), exact);
        QVERIFY2(exactDiff < 1e-5, qPrintable(QString("off the exact sum by %1").arg(exactDiff)));
    }

    void sameBitsAtAnyThreadCount()
    {
        torch::manual_seed(4);
        const auto cl = torch::MemoryFormat::ChannelsLast;
        const torch::Tensor x = torch::randn({16, 32, 16, 16}).contiguous(cl);
        const torch::Tensor w = torch::randn({32, 1, 5, 5});
        const torch::Tensor up = torch::randn({16, 32, 16, 16}).contiguous(cl);
        torch::set_num_threads(1);
        const Gradients one = throughOurs(x, w, up, 2, 1);
        torch::set_num_threads(2);
        const Gradients two = throughOurs(x, w, up, 2, 1);
        torch::set_num_threads(1);
        QVERIFY(torch::equal(one.weight, two.weight));
    }

    void rejectsWhatItCannotTake()
    {
        const auto cl = torch::MemoryFormat::ChannelsLast;
        const torch::Tensor x = torch::randn({2, 8, 6, 6}).contiguous(cl);
        const torch::Tensor w = torch::randn({8, 1, 3, 3});
        QVERIFY(canRunDepthwiseConv(x, w));
        QVERIFY(!canRunDepthwiseConv(x.contiguous(), w)); // NCHW
        QVERIFY(!canRunDepthwiseConv(x.to(torch::kDouble), w.to(torch::kDouble)));
        QVERIFY(!canRunDepthwiseConv(x, torch::randn({8, 2, 3, 3}))); // grouped, not depthwise
        QVERIFY(!canRunDepthwiseConv(x, torch::randn({4, 1, 3, 3}))); // other channel count
        QVERIFY(!canRunDepthwiseConv(x, torch::randn({8, 1, 3, 5}))); // not square
        QVERIFY_THROWS_EXCEPTION(c10::Error, depthwiseConv2d(x.contiguous(), w, 1, 1));
    }

    // `tiny`'s separable net trains the same with LibTorch's depthwise weight gradient and with
    // this one: the same loss and gradients of every parameter.
    void aSeparableNetTrainsAlike()
    {
        ExperimentConfig config = presetConfig("tiny");
        const ModelSpec spec = buildModelSpec(config.model, 10);
        torch::manual_seed(6);
        const torch::Tensor images =
                torch::randn({8, 3, 32, 32}).contiguous(torch::MemoryFormat::ChannelsLast);
        const torch::Tensor labels = torch::randint(0, 10, {8});
        auto gradients = [&](bool ownKernel) {
            torch::manual_seed(7);
            Net net(spec);
            net->toChannelsLast();
            net->setDepthwiseKernel(ownKernel);
            net->train();
            const torch::Tensor loss = torch::nll_loss(net->forward(images), labels);
            loss.backward();
            std::vector<torch::Tensor> out {loss.detach()};
            for (const torch::Tensor &p : net->parameters())
                out.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
            return out;
        };
        const auto fast = gradients(true);
        const auto plain = gradients(false);
        // Only the weight gradients' rounding differs, and through the norms' backward passes it
        // reaches every gradient before it.
        QCOMPARE(fast.size(), plain.size());
        QVERIFY(std::abs(fast[0].item<double>() - plain[0].item<double>()) < 1e-5);
        for (std::size_t i = 1; i < fast.size(); ++i) {
            const double diff = largestRelativeDifference(fast[i], plain[i]);
            QVERIFY2(diff < 1e-3, qPrintable(QString("parameter %1 off by %2").arg(i).arg(diff)));
        }
    }
};

QTEST_MAIN(TestDepthwiseConv)
#include "test_depthwise_conv.moc"
