// Augmentation geometry, probabilities and determinism.
#include "augment.h"
#include "batch_loader.h"
#include "dataset.h"
#include "synthetic.h"

#include <QTest>

#include <ATen/ATen.h>

#include <array>

using namespace normlab;

namespace {

using Image = std::vector<std::uint8_t>;

Image gradientImage()
{
    Image img(Dataset::kImageBytes);
    for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x)
            for (int c = 0; c < 3; ++c)
                img[(y * 32 + x) * 3 + c] = static_cast<std::uint8_t>(x * 8 + c);
    return img;
}

std::uint8_t pixel(const Image &img, int y, int x, int c)
{
    return img[(y * 32 + x) * 3 + c];
}

// The pixels of one colour and the box around them.
struct FilledArea
{
    int pixels = 0, width = 0, height = 0;
};

FilledArea filledArea(const Image &img, const std::array<std::uint8_t, 3> &rgb)
{
    int pixels = 0, minX = 99, minY = 99, maxX = -1, maxY = -1;
    for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x)
            if (pixel(img, y, x, 0) == rgb[0] && pixel(img, y, x, 1) == rgb[1] &&
                pixel(img, y, x, 2) == rgb[2]) {
                ++pixels;
                minX = std::min(minX, x), maxX = std::max(maxX, x);
                minY = std::min(minY, y), maxY = std::max(maxY, y);
            }
    return {pixels, maxX - minX + 1, maxY - minY + 1};
}

AugmentStep step(AugmentStep::Kind kind, double p = 1.0)
{
    AugmentStep s;
    s.kind = kind;
    s.p = p;
    return s;
}

Image augmented(const std::vector<AugmentStep> &steps, std::uint64_t seed,
                Image img = gradientImage())
{
    std::mt19937_64 rng = Augmenter::sampleGenerator(seed, 1, 0);
    Augmenter(steps).apply(img.data(), rng);
    return img;
}

} // namespace

class TestAugment : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void horizontalFlipMirrors();
    void probabilityIsHonoured_data();
    void probabilityIsHonoured();
    void coarseDropoutHoleSize();
    void cutoutSquareMayCrossTheBorder();
    void randomCropShiftsWithinPadding();
    void zeroLimitsAreIdentity();
    void rotateFillsCornersWithFillValue();
    void colorJitterStaysInRangeAndChanges();
    void sameSeedSameImage();
    void batchesIndependentOfWorkerCount();
    void normalizationArithmetic();
};

void TestAugment::horizontalFlipMirrors()
{
    const Image in = gradientImage();
    const Image out = augmented({step(AugmentStep::Kind::HorizontalFlip)}, 1);
    for (int y : {0, 17, 31})
        for (int x : {0, 5, 31})
            for (int c = 0; c < 3; ++c)
                QCOMPARE(pixel(out, y, x, c), pixel(in, y, 31 - x, c));
}

void TestAugment::probabilityIsHonoured_data()
{
    QTest::addColumn<double>("p");
    QTest::newRow("p=0") << 0.0;
    QTest::newRow("p=0.2") << 0.2;
    QTest::newRow("p=0.5") << 0.5;
    QTest::newRow("p=1") << 1.0;
}

void TestAugment::probabilityIsHonoured()
{
    QFETCH(double, p);
    const Image in = gradientImage();
    const int trials = 2000;
    int fired = 0;
    for (int i = 0; i < trials; ++i)
        fired += augmented({step(AugmentStep::Kind::HorizontalFlip, p)},
                           static_cast<std::uint64_t>(i)) != in;
    const double expected = p * trials;
    const double tolerance =
            4.0 * std::sqrt(trials * p * (1 - p)) + 1.0; // four standard deviations
    QVERIFY2(std::abs(fired - expected) <= tolerance,
             qPrintable(QString("fired %1 of %2").arg(fired).arg(trials)));
}

void TestAugment::coarseDropoutHoleSize()
{
    AugmentStep s = step(AugmentStep::Kind::CoarseDropout);
    s.minHoles = s.maxHoles = 1;
    s.minHeight = s.maxHeight = 16;
    s.minWidth = s.maxWidth = 16;
    s.fillValue = {7, 8, 9};
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
        const Image out = augmented({s}, seed, Image(Dataset::kImageBytes, 200));
        const FilledArea area = filledArea(out, {7, 8, 9});
        QCOMPARE(area.pixels, 16 * 16);
        QCOMPARE(area.width, 16);
        QCOMPARE(area.height, 16);
    }
}

void TestAugment::cutoutSquareMayCrossTheBorder()
{
    // One 12x12 square centred anywhere, so that near a border only part of it is in the image,
    // and a square wholly inside is as likely as the paper's uniform centre makes it.
    AugmentStep s = step(AugmentStep::Kind::Cutout);
    s.length = 12;
    s.fillValue = {7, 8, 9};
    constexpr int kTrials = 400;
    int whole = 0, cut = 0;
    for (std::uint64_t seed = 0; seed < kTrials; ++seed) {
        const Image out = augmented({s}, seed, Image(Dataset::kImageBytes, 200));
        const FilledArea area = filledArea(out, {7, 8, 9});
        // a rectangle, at least a quarter of the square (its centre is in the image)
        QCOMPARE(area.pixels, area.width * area.height);
        QVERIFY(area.width >= 6 && area.width <= 12);
        QVERIFY(area.height >= 6 && area.height <= 12);
        (area.pixels == 144 ? whole : cut) += 1;
    }
    // Centres 6 to 26 of 0 to 31 on both axes keep the square whole: (21/32)^2, about 43 %.
    QVERIFY2(whole > kTrials * 0.35 && whole < kTrials * 0.51, qPrintable(QString::number(whole)));
    QCOMPARE(whole + cut, kTrials);
}

void TestAugment::randomCropShiftsWithinPadding()
{
    AugmentStep s = step(AugmentStep::Kind::RandomCrop);
    s.padding = 4;
    const Image in = gradientImage();
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
        const Image out = augmented({s}, seed);
        // Row 16 of a horizontal gradient: the shift is visible as an offset of x*8.
        int shift = 99;
        for (int dx = -4; dx <= 4; ++dx) {
            bool match = true;
            for (int x = 4; x < 28; ++x)
                match = match && pixel(out, 16, x, 0) == pixel(in, 16, x + dx, 0);
            if (match)
                shift = dx;
        }
        QVERIFY2(shift != 99, "output is not a shifted copy of the input");
    }
}

void TestAugment::zeroLimitsAreIdentity()
{
    AugmentStep ssr = step(AugmentStep::Kind::ShiftScaleRotate);
    ssr.shiftLimit = ssr.scaleLimit = ssr.rotateLimit = 0;
    AugmentStep rot = step(AugmentStep::Kind::Rotate);
    rot.rotateLimit = 0;
    AugmentStep jitter = step(AugmentStep::Kind::ColorJitter);
    QCOMPARE(augmented({ssr, rot, jitter}, 3), gradientImage());
}

void TestAugment::rotateFillsCornersWithFillValue()
{
    AugmentStep rot = step(AugmentStep::Kind::Rotate);
    rot.rotateLimit = 45;
    rot.fillValue = {1};
    int cornersFilled = 0;
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
        const Image out = augmented({rot}, seed, Image(Dataset::kImageBytes, 128));
        cornersFilled += pixel(out, 0, 0, 0) == 1 || pixel(out, 0, 31, 0) == 1;
        QCOMPARE(pixel(out, 16, 16, 1), std::uint8_t(128)); // the centre stays
    }
    QVERIFY(cornersFilled > 10);
}

void TestAugment::colorJitterStaysInRangeAndChanges()
{
    AugmentStep s = step(AugmentStep::Kind::ColorJitter);
    s.brightness = s.contrast = s.saturation = s.hue = 0.3;
    const Image in = gradientImage();
    int changed = 0;
    for (std::uint64_t seed = 0; seed < 10; ++seed)
        changed += augmented({s}, seed) != in;
    QCOMPARE(changed, 10);
}

void TestAugment::sameSeedSameImage()
{
    AugmentStep ssr = step(AugmentStep::Kind::ShiftScaleRotate);
    AugmentStep drop = step(AugmentStep::Kind::CoarseDropout, 0.5);
    AugmentStep jitter = step(AugmentStep::Kind::ColorJitter);
    jitter.brightness = jitter.hue = 0.2;
    const std::vector<AugmentStep> steps = {ssr, drop, jitter};
    QCOMPARE(augmented(steps, 42), augmented(steps, 42));
    QVERIFY(augmented(steps, 42) != augmented(steps, 43));
}

void TestAugment::batchesIndependentOfWorkerCount()
{
    const Dataset data = makeSyntheticDataset(200, 5);
    AugmentStep jitter = step(AugmentStep::Kind::ColorJitter);
    jitter.brightness = 0.3;
    const std::vector<AugmentStep> steps = {step(AugmentStep::Kind::HorizontalFlip, 0.5), jitter};
    auto collect = [&](int workers) {
        BatchLoaderOptions o;
        o.batchSize = 16;
        o.workers = workers;
        o.seed = 9;
        BatchLoader loader(data, Augmenter(steps), NormalizeConfig {}, o);
        loader.startEpoch(2);
        std::vector<at::Tensor> batches;
        while (auto b = loader.next())
            batches.push_back(b->images);
        return at::cat(batches);
    };
    const at::Tensor one = collect(1);
    const at::Tensor three = collect(3);
    QCOMPARE(one.size(0), 200);
    QVERIFY(at::equal(one, three));
}

void TestAugment::normalizationArithmetic()
{
    Dataset data = makeSyntheticDataset(2, 1);
    std::fill(data.pixels.begin(), data.pixels.end(), std::uint8_t(255));
    NormalizeConfig n;
    n.mean = {0.5, 0.25, 0.0};
    n.std = {0.5, 0.25, 1.0};
    BatchLoaderOptions o;
    o.shuffle = false;
    BatchLoader loader(data, Augmenter(), n, o);
    const Batch b = loader.makeBatch({0, 1}, 1);
    QCOMPARE(b.images.sizes().vec(), (std::vector<int64_t> {2, 3, 32, 32}));
    QVERIFY(std::abs(b.images[0][0][5][5].item<float>() - 1.0f) < 1e-5f);
    QVERIFY(std::abs(b.images[0][1][5][5].item<float>() - 3.0f) < 1e-5f);
    QVERIFY(std::abs(b.images[1][2][5][5].item<float>() - 1.0f) < 1e-5f);
}

QTEST_GUILESS_MAIN(TestAugment)
#include "test_augment.moc"
