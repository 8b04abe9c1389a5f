// The CIFAR-10 binary reader, the image-folder reader, the synthetic set, and every bad-input case.
#include "cifar_binary.h"
#include "config.h"
#include "errors.h"
#include "image_folder.h"
#include "synthetic.h"
#include "test_support.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <opencv2/imgcodecs.hpp>

#include <set>

using namespace normlab;
using namespace normlab::test;

class TestDatasets : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cifarBinaryRoundTrip();
    void cifarBinaryNestedFolder();
    void cifarBinaryBadInput_data();
    void cifarBinaryBadInput();
    void imageFolderRoundTrip();
    void imageFolderBadInput_data();
    void imageFolderBadInput();
    void loadDatasetsDispatch();
    void syntheticIsDeterministicAndBalanced();
    void subsetIsFixedAndMixed();
    void folderIsDescribedWithoutDecoding();
};

namespace {

void writeBinaryLayout(const QString &dir, const Dataset &data, std::size_t perFile)
{
    QDir().mkpath(dir);
    for (int i = 1; i <= 5; ++i)
        writeCifarBin(data, QString("%1/data_batch_%2.bin").arg(dir).arg(i), perFile);
    writeCifarBin(data, dir + "/test_batch.bin", perFile);
    writeAll(dir + "/batches.meta.txt",
             "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n");
}

// Expects `fn` to throw DataError whose message contains `needle`.
template<typename Fn> void expectDataError(Fn fn, const QString &needle)
{
    try {
        fn();
        QFAIL("no error was raised");
    } catch (const DataError &e) {
        QVERIFY2(QString(e.what()).contains(needle), e.what());
    }
}

} // namespace

void TestDatasets::cifarBinaryRoundTrip()
{
    QTemporaryDir tmp;
    const Dataset source = makeSyntheticDataset(30, 3);
    writeBinaryLayout(tmp.path(), source, 30);
    const DatasetPair pair = loadCifarBinary(tmp.path().toStdString());
    QCOMPARE(pair.train.size(), std::size_t(150));
    QCOMPARE(pair.test.size(), std::size_t(30));
    QCOMPARE(pair.train.classNames.at(9), std::string("truck"));
    // planar R, G, B became interleaved RGB again
    QVERIFY(std::equal(source.pixels.begin(), source.pixels.end(), pair.test.pixels.begin()));
    QVERIFY(std::equal(source.labels.begin(), source.labels.end(), pair.train.labels.begin() + 60));
}

void TestDatasets::cifarBinaryNestedFolder()
{
    QTemporaryDir tmp;
    writeBinaryLayout(tmp.path() + "/cifar-10-batches-bin", makeSyntheticDataset(10, 3), 10);
    QVERIFY(looksLikeCifarBinary(tmp.path().toStdString()));
    QCOMPARE(loadCifarBinary(tmp.path().toStdString()).test.size(), std::size_t(10));
}

void TestDatasets::cifarBinaryBadInput_data()
{
    QTest::addColumn<QString>("damage");
    QTest::addColumn<QString>("message");
    QTest::newRow("truncated")
            << "truncate"
            << "data_batch_3.bin: 15364 bytes is not a whole number of 3073-byte records";
    QTest::newRow("label 11") << "label"
                              << "record 2 has label 11, allowed 0 to 9";
    QTest::newRow("missing file") << "missing"
                                  << "test_batch.bin: missing or unreadable";
    QTest::newRow("bad meta") << "meta"
                              << "expected 10 class names, found 2";
}

void TestDatasets::cifarBinaryBadInput()
{
    QFETCH(QString, damage);
    QFETCH(QString, message);
    QTemporaryDir tmp;
    writeBinaryLayout(tmp.path(), makeSyntheticDataset(5, 3), 5);
    if (damage == "truncate") {
        writeAll(tmp.path() + "/data_batch_3.bin",
                 readAll(tmp.path() + "/data_batch_3.bin").left(5 * 3073 - 1));
    } else if (damage == "label") {
        QByteArray bytes = readAll(tmp.path() + "/data_batch_1.bin");
        bytes[2 * 3073] = 11;
        writeAll(tmp.path() + "/data_batch_1.bin", bytes);
    } else if (damage == "missing") {
        QFile::remove(tmp.path() + "/test_batch.bin");
    } else if (damage == "meta") {
        writeAll(tmp.path() + "/batches.meta.txt", "cat\ndog\n");
    }
    expectDataError([&] { loadCifarBinary(tmp.path().toStdString()); }, message);
}

void TestDatasets::imageFolderRoundTrip()
{
    QTemporaryDir tmp;
    const Dataset source = makeSyntheticDataset(40, 4);
    writeImageFolder(source, tmp.path() + "/train", 40);
    writeImageFolder(source, tmp.path() + "/test", 20);
    const DatasetPair pair = loadImageFolder(tmp.path().toStdString(), 3);
    QCOMPARE(pair.train.size(), std::size_t(40));
    QCOMPARE(pair.test.size(), std::size_t(20));
    QCOMPARE(pair.train.numClasses(), 10);
    QCOMPARE(pair.train.classNames, source.classNames);
    // Files are read class by class in sorted order; image i of class c is the (i/10)th of that
    // class.
    for (std::size_t i = 0; i < pair.train.size(); ++i) {
        const int label = pair.train.labels[i];
        const std::size_t k = i % 4; // 4 images per class
        const std::size_t original = k * 10 + static_cast<std::size_t>(label);
        QVERIFY(std::equal(pair.train.image(i), pair.train.image(i) + Dataset::kImageBytes,
                           source.image(original)));
    }
}

void TestDatasets::imageFolderBadInput_data()
{
    QTest::addColumn<QString>("damage");
    QTest::addColumn<QString>("message");
    QTest::newRow("empty class folder") << "empty"
                                        << "empty class folder";
    QTest::newRow("unreadable image") << "garbage"
                                      << "not a PNG, JPEG or BMP image";
    QTest::newRow("wrong size") << "size"
                                << "image is 16x16, expected 32x32";
    QTest::newRow("no test folder classes") << "classes"
                                            << "class folders differ";
    QTest::newRow("missing test split") << "missing"
                                        << "test: missing folder";
    // Headers claiming more pixels than NormLab decodes, refused before OpenCV allocates them.
    const QString tooMany = "pixels, more than the 67108864 NormLab decodes";
    QTest::newRow("JPEG claiming 14161x65359") << "huge-jpeg"
                                               << "925548799 " + tooMany;
    QTest::newRow("PNG claiming 100000x100000") << "huge-png"
                                                << "10000000000 " + tooMany;
    QTest::newRow("BMP claiming 70000x-70000") << "huge-bmp"
                                               << "4900000000 " + tooMany;
}

void TestDatasets::imageFolderBadInput()
{
    QFETCH(QString, damage);
    QFETCH(QString, message);
    QTemporaryDir tmp;
    const Dataset source = makeSyntheticDataset(20, 4);
    writeImageFolder(source, tmp.path() + "/train", 20);
    writeImageFolder(source, tmp.path() + "/test", 20);
    const QString someClass = tmp.path() + "/train/" + QString::fromStdString(source.classNames[3]);
    if (damage == "empty") {
        QDir(someClass).removeRecursively();
        QDir().mkpath(someClass);
    } else if (damage == "garbage") {
        writeAll(someClass + "/0003.png", "this is not a png");
    } else if (damage == "size") {
        cv::Mat small(16, 16, CV_8UC3, cv::Scalar(1, 2, 3));
        cv::imwrite((someClass + "/small.png").toStdString(), small);
    } else if (damage == "classes") {
        QDir().mkpath(tmp.path() + "/test/extra_class");
        writeAll(tmp.path() + "/test/extra_class/x.png", readAll(someClass + "/0003.png"));
    } else if (damage == "missing") {
        QDir(tmp.path() + "/test").removeRecursively();
    } else if (damage == "huge-jpeg") {
        // 260 bytes found by fuzz_image_file: under OpenCV's own limit, 2.8 GB when decoded
        writeAll(someClass + "/0003.png",
                 QByteArray::fromHex(
                         "ffd8ffe000104a46494600010100000100010000ffdb00430003020202020203020202030"
                         "3030304060404040404080606050609080a0a0a090909080c0f0c0a0b0e3a2f2f0b09090d"
                         "110d0e0f101011100a0c12131210130f101010ffdb00430103030304030408040408100b0"
                         "90b1010101010101010101010101010101010101010101010101010101010101010101010"
                         "101010101010101010101010101010ffc0001108ff4f375103011100021101031101ffc40"
                         "01800000301010000000000000000000000000c010300009191919191919191919191b107"
                         "1422006cbbcea4000000d1f1ffda000c03010002110311003f009a5a7a87ac8dd59bbbca0"
                         "46723ffd9"));
    } else if (damage == "huge-png") {
        const QByteArray ihdr = QByteArray::fromHex("0000000d49484452"
                                                    "000186a0"
                                                    "000186a0"
                                                    "0802000000"
                                                    "00000000");
        writeAll(someClass + "/0003.png", QByteArray::fromHex("89504e470d0a1a0a") + ihdr +
                                                  QByteArray::fromHex("0000000049454e44ae426082"));
    } else if (damage == "huge-bmp") {
        // BITMAPINFOHEADER, width 70000, height -70000 (top-down)
        QByteArray bmp = QByteArray::fromHex("424d"
                                             "00000000"
                                             "00000000"
                                             "36000000"
                                             "28000000"
                                             "70110100"
                                             "90eefeff"
                                             "01001800");
        bmp.append(64, '\0');
        writeAll(someClass + "/0003.png", bmp);
    }
    expectDataError([&] { loadImageFolder(tmp.path().toStdString()); }, message);
}

void TestDatasets::loadDatasetsDispatch()
{
    QTemporaryDir tmp;
    DataConfig config;
    config.source = (tmp.path() + "/nothing-here").toStdString();
    expectDataError([&] { loadDatasets(config); }, "no such file or folder");
    config.source = tmp.path().toStdString();
    expectDataError([&] { loadDatasets(config); }, "neither the CIFAR-10 binary layout");
    writeBinaryLayout(tmp.path(), makeSyntheticDataset(20, 3), 20);
    config.trainLimit = 50;
    const DatasetPair pair = loadDatasets(config);
    QCOMPARE(pair.kind, std::string("cifar-binary"));
    QCOMPARE(pair.train.size(), std::size_t(50));
    QCOMPARE(pair.fingerprint.size(), std::size_t(16));
}

void TestDatasets::syntheticIsDeterministicAndBalanced()
{
    const Dataset a = makeSyntheticDataset(100, 11);
    const Dataset b = makeSyntheticDataset(100, 11);
    const Dataset c = makeSyntheticDataset(100, 12);
    QVERIFY(a.pixels == b.pixels);
    QVERIFY(a.pixels != c.pixels);
    std::vector<int> counts(10);
    for (std::uint8_t l : a.labels)
        ++counts[l];
    QCOMPARE(counts, std::vector<int>(10, 10));
}

void TestDatasets::subsetIsFixedAndMixed()
{
    const Dataset data = makeSyntheticDataset(1000, 2);
    const Dataset s1 = data.subset(100);
    const Dataset s2 = data.subset(100);
    QVERIFY(s1.pixels == s2.pixels);
    std::set<int> classes(s1.labels.begin(), s1.labels.end());
    QCOMPARE(int(classes.size()), 10);
    QCOMPARE(data.subset(0).size(), std::size_t(1000));
}

// The first-run dialog says what a chosen folder holds.
void TestDatasets::folderIsDescribedWithoutDecoding()
{
    QTemporaryDir tmp;
    writeBinaryLayout(tmp.path() + "/bin/cifar-10-batches-bin", makeSyntheticDataset(30, 3), 30);
    QCOMPARE(QString::fromStdString(describeDataFolder((tmp.path() + "/bin").toStdString()).text()),
             QString("CIFAR-10 binary files: 150 training and 30 test images in 10 classes"));
    const Dataset images = makeSyntheticDataset(12, 3);
    writeImageFolder(images, tmp.path() + "/img/train", 12);
    writeImageFolder(images, tmp.path() + "/img/test", 6);
    const DataFolderSummary s = describeDataFolder((tmp.path() + "/img").toStdString());
    QCOMPARE(s.layout, std::string("image folders"));
    QCOMPARE(s.trainImages, std::size_t(12));
    QCOMPARE(s.testImages, std::size_t(6));
    QVERIFY(s.classes >= 3);
    expectDataError([&] { describeDataFolder((tmp.path() + "/none").toStdString()); },
                    "no such file or folder");
    // The real CIFAR-10 folders, where there are.
    const QByteArray real = qgetenv("NORMLAB_DATA_DIR");
    if (real.isEmpty())
        return;
    QCOMPARE(QString::fromStdString(describeDataFolder(real.toStdString()).text()),
             QString("image folders: 50,000 training and 10,000 test images in 10 classes"));
}

QTEST_GUILESS_MAIN(TestDatasets)
#include "test_datasets.moc"
