// The exponential moving average of the weights (ema_decay): its formula, its warm-up, and the
// swap the trainer evaluates and checkpoints with. The trainer's use of it is in test_trainer.
#include "model_spec.h"
#include "presets.h"
#include "weight_average.h"

#include <QTest>

#include <algorithm>

using namespace normlab;

class TestWeightAverage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void followsItsFormula();
};

// avg = d x avg + (1 - d) x w after each update, d = min(decay, (1 + n) / (10 + n)), over every
// parameter and BatchNorm's running statistics; swap() exchanges the two and back.
void TestWeightAverage::followsItsFormula()
{
    torch::manual_seed(2);
    Net net(buildModelSpec(presetConfig("s8-bn").model, 10));
    std::vector<torch::Tensor> tracked;
    for (const torch::Tensor &p : net->parameters())
        tracked.push_back(p);
    for (const torch::Tensor &b : net->buffers())
        if (b.is_floating_point())
            tracked.push_back(b);
    QVERIFY(tracked.size() > net->parameters().size()); // running means and variances too
    std::vector<torch::Tensor> expected;
    for (const torch::Tensor &t : tracked)
        expected.push_back(t.detach().clone().to(torch::kFloat64));
    WeightAverage average(net, 0.95);
    for (int n = 0; n < 30; ++n) {
        torch::NoGradGuard noGrad;
        for (torch::Tensor &t : tracked)
            t.add_(torch::randn_like(t) * 0.1); // a training step
        const double d = std::min(0.95, (1.0 + n) / (10.0 + n));
        QCOMPARE(average.currentDecay(), d);
        average.update();
        for (std::size_t i = 0; i < tracked.size(); ++i)
            expected[i] = d * expected[i] + (1 - d) * tracked[i].detach().to(torch::kFloat64);
    }
    QCOMPARE(average.updates(), std::int64_t(30));
    std::vector<torch::Tensor> trained;
    for (const torch::Tensor &t : tracked)
        trained.push_back(t.detach().clone());
    average.swap();
    for (std::size_t i = 0; i < tracked.size(); ++i)
        QVERIFY2(torch::allclose(tracked[i].detach().to(torch::kFloat64), expected[i], 1e-5, 1e-6),
                 qPrintable(QString("tensor %1").arg(i)));
    average.swap();
    for (std::size_t i = 0; i < tracked.size(); ++i)
        QVERIFY(torch::equal(tracked[i].detach(), trained[i]));
}

QTEST_GUILESS_MAIN(TestWeightAverage)
#include "test_weight_average.moc"
