// ColorJitter's four adjustments, the same in NormLab as in torchvision on PIL images: for a set
// of factors, NormLab's pil_color functions and torchvision.transforms.functional
// (tests/reference/augment_pytorch.py) turn the same images into the same bytes, every one of
// them (images with smooth gradients, noise, greys and saturated colours, so that every branch of
// PIL's HSV conversion and blend is taken). Skipped without Debian's python3-torchvision
// (/usr/bin/python3, or NORMLAB_PYTHON).

#include "pil_color.h"
#include "test_support.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <random>

using namespace normlab;

namespace {

constexpr int kSide = 32;
constexpr int kPixels = kSide * kSide;
constexpr int kImageBytes = 3 * kPixels;

struct Adjustment
{
    const char *name;
    void (*apply)(std::uint8_t *, int, double);
    std::vector<double> factors;
};

const std::vector<Adjustment> &adjustments()
{
    static const std::vector<Adjustment> list = {
            {"brightness", pil::adjustBrightness, {0.0, 0.5, 0.9, 0.9731, 1.0, 1.1, 1.3}},
            {"contrast", pil::adjustContrast, {0.0, 0.5, 0.9, 0.9731, 1.1, 1.3}},
            {"saturation", pil::adjustSaturation, {0.0, 0.5, 0.9, 1.0, 1.1, 1.3}},
            {"hue", pil::adjustHue, {-0.5, -0.1, -0.0432, -0.003, 0.0, 0.003, 0.05, 0.1, 0.5}},
    };
    return list;
}

QString fileName(const Adjustment &a, double factor)
{
    return QString("%1_%2").arg(a.name).arg(factor, 0, 'g', 10);
}

// Synthetic CIFAR-like images, pure noise, grey ramps and saturated colour blocks.
QByteArray testImages()
{
    QByteArray bytes;
    const DatasetPair synthetic = test::tinyData(48, 1);
    for (std::size_t i = 0; i < synthetic.train.size(); ++i)
        bytes.append(reinterpret_cast<const char *>(synthetic.train.image(i)), kImageBytes);
    std::mt19937 rng(5);
    for (int n = 0; n < 8; ++n)
        for (int i = 0; i < kImageBytes; ++i)
            bytes.append(static_cast<char>(rng() & 0xff));
    for (int n = 0; n < 4; ++n)
        for (int p = 0; p < kPixels; ++p) {
            const auto grey = static_cast<char>((p * (n + 1)) & 0xff);
            bytes.append(grey).append(grey).append(grey);
        }
    const unsigned char colours[][3] = {{255, 0, 0},     {0, 255, 0},   {0, 0, 255},
                                        {255, 255, 0},   {0, 255, 255}, {255, 0, 255},
                                        {255, 255, 255}, {0, 0, 0}};
    for (int n = 0; n < 4; ++n)
        for (int p = 0; p < kPixels; ++p) {
            const auto &c = colours[(p / 16 + n) % 8];
            bytes.append(static_cast<char>(c[0]))
                    .append(static_cast<char>(c[1]))
                    .append(static_cast<char>(c[2]));
        }
    return bytes;
}

} // namespace

class TestPytorchAugment : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QByteArray m_images;

private Q_SLOTS:
    void initTestCase()
    {
        const QString python = test::referencePython();
        if (!test::pythonCanImport("torchvision, PIL, numpy"))
            QSKIP(qPrintable(
                    python +
                    " cannot import torchvision: install python3-torchvision to run the check"));
        QVERIFY(m_dir.isValid());
        m_images = testImages();
        test::writeAll(m_dir.filePath("images.u8"), m_images);
        QProcess reference;
        reference.setProcessChannelMode(QProcess::MergedChannels);
        QStringList args = {
                QStringLiteral(NORMLAB_SOURCE_DIR "/tests/reference/augment_pytorch.py"),
                m_dir.path()};
        for (const Adjustment &a : adjustments())
            for (const double f : a.factors)
                args << QString("%1=%2").arg(fileName(a, f), QString::number(f, 'g', 17));
        reference.start(python, args);
        QVERIFY(reference.waitForFinished(300'000));
        QVERIFY2(reference.exitCode() == 0, reference.readAll().constData());
    }

    void sameBytes_data()
    {
        QTest::addColumn<int>("adjustment");
        QTest::addColumn<double>("factor");
        for (std::size_t a = 0; a < adjustments().size(); ++a)
            for (const double f : adjustments()[a].factors)
                QTest::newRow(qPrintable(fileName(adjustments()[a], f)))
                        << static_cast<int>(a) << f;
    }

    void sameBytes()
    {
        QFETCH(int, adjustment);
        QFETCH(double, factor);
        const Adjustment &a = adjustments()[static_cast<std::size_t>(adjustment)];
        QByteArray mine = m_images;
        for (int offset = 0; offset < mine.size(); offset += kImageBytes)
            a.apply(reinterpret_cast<std::uint8_t *>(mine.data() + offset), kPixels, factor);
        const QByteArray theirs = test::readAll(m_dir.filePath(fileName(a, factor) + ".u8"));
        QCOMPARE(theirs.size(), mine.size());
        int differing = 0, largest = 0;
        for (int i = 0; i < mine.size(); ++i) {
            const int d = std::abs(static_cast<std::uint8_t>(mine[i]) -
                                   static_cast<std::uint8_t>(theirs[i]));
            differing += d != 0;
            largest = std::max(largest, d);
        }
        QVERIFY2(differing == 0, qPrintable(QString("%1 of %2 values differ, by up to %3")
                                                    .arg(differing)
                                                    .arg(mine.size())
                                                    .arg(largest)));
        // The adjustment did something (except where the factor leaves the image as it is).
        if (factor != 1.0 && factor != 0.0)
            QVERIFY(mine != m_images || std::string(a.name) == "hue");
    }
};

QTEST_GUILESS_MAIN(TestPytorchAugment)
#include "test_pytorch_augment.moc"
