// Test-time views: the shifted copies (every pixel where it should be, the border black in the
// run's normalization, the memory layout kept) and the average of the views' predictions.
#include "model_spec.h"
#include "presets.h"
#include "test_views.h"

#include <QTest>

using namespace normlab;

class TestTestViews : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void viewsFollowTheConfig_data();
    void viewsFollowTheConfig();
    void shiftMovesEveryPixel_data();
    void shiftMovesEveryPixel();
    void averageIsOfProbabilities();
};

void TestTestViews::viewsFollowTheConfig_data()
{
    QTest::addColumn<bool>("flip");
    QTest::addColumn<int>("shift");
    QTest::addColumn<int>("count");
    QTest::newRow("none") << false << 0 << 1;
    QTest::newRow("flip") << true << 0 << 2;
    QTest::newRow("shift") << false << 2 << 5;
    QTest::newRow("both") << true << 4 << 10;
}

void TestTestViews::viewsFollowTheConfig()
{
    QFETCH(bool, flip);
    QFETCH(int, shift);
    QFETCH(int, count);
    ExperimentConfig c = presetConfig("tiny");
    c.testTimeFlip = flip;
    c.testTimeShift = shift;
    const TestViews views = testViewsFor(c);
    QCOMPARE(views.count(), count);
    QCOMPARE(views.blackValue.size(), std::size_t {3});
    for (std::size_t ch = 0; ch < 3; ++ch)
        QCOMPARE(views.blackValue[ch], -c.normalize.mean[ch] / c.normalize.std[ch]);
    c.normalize.enabled = false;
    QCOMPARE(testViewsFor(c).blackValue, std::vector<double>(3, 0.0));
}

void TestTestViews::shiftMovesEveryPixel_data()
{
    QTest::addColumn<int>("dx");
    QTest::addColumn<int>("dy");
    QTest::addColumn<bool>("channelsLast");
    QTest::newRow("right 2") << 2 << 0 << false;
    QTest::newRow("left 3") << -3 << 0 << false;
    QTest::newRow("down 1") << 0 << 1 << false;
    QTest::newRow("up 4, channels-last") << 0 << -4 << true;
    QTest::newRow("right 1 down 2, channels-last") << 1 << 2 << true;
    QTest::newRow("further than the image") << 9 << 0 << false;
}

void TestTestViews::shiftMovesEveryPixel()
{
    QFETCH(int, dx);
    QFETCH(int, dy);
    QFETCH(bool, channelsLast);
    constexpr int kBatch = 2, kChannels = 3, kHeight = 5, kWidth = 7;
    torch::Tensor images = torch::rand({kBatch, kChannels, kHeight, kWidth});
    if (channelsLast)
        images = images.contiguous(at::MemoryFormat::ChannelsLast);
    const std::vector<double> fill = {-1.5, -2.0, -2.5};
    const torch::Tensor moved = shiftedImages(images, dx, dy, fill);
    QCOMPARE(moved.is_contiguous(at::MemoryFormat::ChannelsLast), channelsLast);
    const auto in = images.accessor<float, 4>();
    const auto out = moved.accessor<float, 4>();
    for (int n = 0; n < kBatch; ++n)
        for (int c = 0; c < kChannels; ++c)
            for (int y = 0; y < kHeight; ++y)
                for (int x = 0; x < kWidth; ++x) {
                    const int sy = y - dy, sx = x - dx; // where the pixel came from
                    const bool inside = sy >= 0 && sy < kHeight && sx >= 0 && sx < kWidth;
                    const float expected = inside ? in[n][c][sy][sx] : static_cast<float>(fill[c]);
                    QCOMPARE(out[n][c][y][x], expected);
                }
}

// The views' log-probabilities are those of the mean of their distributions, and the first view
// can come in computed already.
void TestTestViews::averageIsOfProbabilities()
{
    torch::manual_seed(4);
    ExperimentConfig c = presetConfig("s8-bn");
    c.testTimeFlip = true;
    c.testTimeShift = 2;
    Net net(buildModelSpec(c.model, 10));
    net->eval();
    torch::NoGradGuard noGrad;
    const torch::Tensor images = torch::randn({4, 3, 32, 32});
    const TestViews views = testViewsFor(c);
    torch::Tensor sum = torch::zeros({4, 10}, torch::kFloat64);
    for (const auto &[dx, dy] : {std::pair {0, 0}, {2, 0}, {-2, 0}, {0, 2}, {0, -2}}) {
        const torch::Tensor view = shiftedImages(images, dx, dy, views.blackValue);
        sum += net->forward(view).exp().to(torch::kFloat64);
        sum += net->forward(view.flip({3})).exp().to(torch::kFloat64);
    }
    const torch::Tensor expected = (sum / 10).log().to(torch::kFloat32);
    const torch::Tensor got = viewAveragedLogProbs(net, images, views);
    QVERIFY(torch::allclose(got, expected, 1e-5, 1e-5));
    const torch::Tensor given = viewAveragedLogProbs(net, images, views, net->forward(images));
    QVERIFY(torch::allclose(given, expected, 1e-5, 1e-5));
    QVERIFY(torch::equal(viewAveragedLogProbs(net, images, TestViews {}), net->forward(images)));
}

QTEST_GUILESS_MAIN(TestTestViews)
#include "test_test_views.moc"
