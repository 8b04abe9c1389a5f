// `normlab-cli predict`, `gradcam`, `report` and `evaluate`: a recorded run's top classes for image
// files of any size and colour format (a file that is no image is named, the others still
// answered, exit code 2), Grad-CAM grids of its mistakes, its write-up in HTML and Markdown, and
// its checkpoint evaluated again with other test-time views.

#include "test_support.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

class TestCliPredict : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const normlab::test::CliOutcome trained = normlab::test::runCli(
                {"train", "s8-gn", "--data", "synthetic", "--train-limit", "320", "--test-limit",
                 "100", "--epochs", "1", "--threads", "1", "--store", m_dir.path()});
        QCOMPARE(trained.exitCode, 0);
    }

    void anySizeAndColourFormat()
    {
        QImage wide(64, 48, QImage::Format_RGB32);
        wide.fill(QColor(200, 40, 40));
        QVERIFY(wide.save(m_dir.filePath("wide.png")));
        QImage grey(20, 20, QImage::Format_Grayscale8);
        grey.fill(128);
        QVERIFY(grey.save(m_dir.filePath("grey.jpg")));
        QImage alpha(32, 32, QImage::Format_ARGB32);
        alpha.fill(QColor(0, 0, 255, 100));
        QVERIFY(alpha.save(m_dir.filePath("alpha.bmp")));
        const normlab::test::CliOutcome out = normlab::test::runCli(
                {"predict", "1", m_dir.filePath("wide.png"), m_dir.filePath("grey.jpg"),
                 m_dir.filePath("alpha.bmp"), "--json", "--store", m_dir.path()});
        QCOMPARE(out.exitCode, 0);
        const QStringList lines = out.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 3);
        for (const QString &line : lines) {
            const QJsonObject j = QJsonDocument::fromJson(line.toUtf8()).object();
            const QJsonArray top = j["top"].toArray();
            QCOMPARE(top.size(), 5);
            double sum = 0, previous = 1;
            for (const QJsonValue &c : top) {
                const double p = c.toObject()["probability"].toDouble();
                QVERIFY(p <= previous + 1e-9);
                previous = p;
                sum += p;
                QVERIFY(!c.toObject()["class"].toString().isEmpty());
            }
            QVERIFY(sum <= 1.0 + 1e-5);
        }
    }

    void aBadFileIsNamedAndTheRestAnswered()
    {
        QFile text(m_dir.filePath("notes.png"));
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write("not an image");
        text.close();
        QImage ok(32, 32, QImage::Format_RGB32);
        ok.fill(Qt::green);
        QVERIFY(ok.save(m_dir.filePath("ok.png")));
        const normlab::test::CliOutcome out = normlab::test::runCli(
                {"predict", "last", m_dir.filePath("notes.png"), m_dir.filePath("missing.jpg"),
                 m_dir.filePath("ok.png"), "--top", "3", "--store", m_dir.path()});
        QCOMPARE(out.exitCode, 2);
        QVERIFY2(out.err.contains("notes.png: not a PNG, JPEG or BMP image"), qPrintable(out.err));
        QVERIFY2(out.err.contains("missing.jpg: no such file"), qPrintable(out.err));
        // Cut short: named by NormLab, with no decoder's warning before it.
        QImage big(64, 64, QImage::Format_RGB32);
        big.fill(Qt::blue);
        QVERIFY(big.save(m_dir.filePath("whole.png")) && big.save(m_dir.filePath("whole.jpg")));
        for (const char *name : {"whole.png", "whole.jpg"}) {
            QFile whole(m_dir.filePath(name));
            QVERIFY(whole.open(QIODevice::ReadOnly));
            QFile cut(m_dir.filePath(QString("cut-") + name));
            QVERIFY(cut.open(QIODevice::WriteOnly));
            cut.write(whole.read(whole.size() / 2));
        }
        const normlab::test::CliOutcome cut = normlab::test::runCli(
                {"predict", "last", m_dir.filePath("cut-whole.png"), m_dir.filePath("cut-whole.jpg"),
                 "--store", m_dir.path()});
        QCOMPARE(cut.exitCode, 2);
        QVERIFY2(cut.err.contains("cut-whole.png: truncated PNG"), qPrintable(cut.err));
        QVERIFY2(cut.err.contains("cut-whole.jpg: truncated JPEG"), qPrintable(cut.err));
        QVERIFY2(!cut.err.contains("libpng") && !cut.err.contains("Corrupt JPEG"),
                 qPrintable(cut.err));
        QVERIFY2(out.out.contains("ok.png"), qPrintable(out.out));
        QVERIFY(!out.err.contains("internal error"));

        const normlab::test::CliOutcome unknown = normlab::test::runCli(
                {"predict", "9", m_dir.filePath("ok.png"), "--store", m_dir.path()});
        QCOMPARE(unknown.exitCode, 2);
        QVERIFY2(unknown.err.contains("no run 9"), qPrintable(unknown.err));
    }

    // A checkpoint damaged on disk (one byte changed) is named, never handed to LibTorch, whose
    // TorchScript parser crashed on some such files (fuzz_checkpoint). Where the byte lands is
    // taken from the archive's layout, not the file's middle: the checkpoint's size changes with
    // the store's path (recorded in it), so a fixed offset fell on a header in some folders.
    void aDamagedCheckpointIsNamed_data()
    {
        QTest::addColumn<int>("part");
        QTest::addColumn<QString>("expected");
        QTest::newRow("a byte of the largest entry's data") << int(ZipPart::EntryData) << "CRC";
        QTest::newRow("the first entry's local header") << int(ZipPart::LocalHeaderSize) << "";
        QTest::newRow("the central directory") << int(ZipPart::CentralDirectory) << "";
    }

    void aDamagedCheckpointIsNamed()
    {
        QFETCH(int, part);
        QFETCH(QString, expected);
        const QString store = m_damaged.path();
        if (m_pristine.isEmpty()) { // one run for every row; each damages a fresh copy of it
            QCOMPARE(normlab::test::runCli({"train", "s8-gn", "--data", "synthetic",
                                            "--train-limit", "64", "--test-limit", "32", "--epochs",
                                            "1", "--threads", "1", "--store", store})
                             .exitCode,
                     0);
            for (const char *name : {"best.pt", "last.pt"}) {
                QFile file(store + "/runs/1/" + name);
                QVERIFY(file.open(QIODevice::ReadOnly));
                m_pristine[name] = file.readAll();
            }
        }
        for (auto it = m_pristine.cbegin(); it != m_pristine.cend(); ++it) {
            QByteArray bytes = it.value();
            const qsizetype at = offsetIn(bytes, static_cast<ZipPart>(part));
            QVERIFY2(at >= 0, qPrintable(it.key()));
            bytes[at] = static_cast<char>(bytes[at] ^ 0x5a);
            normlab::test::writeAll(store + "/runs/1/" + it.key(), bytes);
        }
        QImage image(32, 32, QImage::Format_RGB32);
        image.fill(Qt::red);
        QVERIFY(image.save(store + "/red.png"));
        const normlab::test::CliOutcome out =
                normlab::test::runCli({"predict", "1", store + "/red.png", "--store", store});
        QCOMPARE(out.exitCode, 2);
        QVERIFY2(out.err.contains("best.pt: damaged checkpoint") && out.err.contains(expected),
                 qPrintable(out.err));
    }

    void gradCamGridsOfTheMistakes()
    {
        const QString out = m_dir.filePath("cam");
        const normlab::test::CliOutcome cam = normlab::test::runCli(
                {"gradcam", "1", "--out", out, "--max", "9", "--checkpoint", "last", "--store",
                 m_dir.path()});
        QCOMPARE(cam.exitCode, 0);
        for (const char *suffix : {"mistakes", "C10-predicted", "C10-true"}) {
            const QString path = out + QString("/run1-epoch1-%1.png").arg(suffix);
            QVERIFY2(cam.out.contains(path), qPrintable(cam.out));
            const QImage image(path);
            QVERIFY2(!image.isNull(), qPrintable(path));
            QCOMPARE(image.width(), 3 * (96 + 2) + 2); // nine mistakes, three columns
        }
        // Only the best and the last checkpoint's epochs can be drawn: the message says which.
        const normlab::test::CliOutcome epoch = normlab::test::runCli(
                {"gradcam", "1", "--out", out, "--epoch", "5", "--store", m_dir.path()});
        QCOMPARE(epoch.exitCode, 2);
        QVERIFY2(epoch.err.contains(
                         "keeps checkpoints of epoch 1 (best: lowest test loss) and 1 (last)"),
                 qPrintable(epoch.err));
        // A layer the net lacks is named with those it has, before any file is written.
        const QString none = m_dir.filePath("cam-none");
        const normlab::test::CliOutcome layer = normlab::test::runCli(
                {"gradcam", "1", "--out", none, "--layer", "C99", "--store", m_dir.path()});
        QCOMPARE(layer.exitCode, 2);
        QVERIFY2(layer.err.contains("--layer C99: run 1: Grad-CAM: no conv block 'C99' in this "
                                    "network; it has C1, C2,"),
                 qPrintable(layer.err));
        QVERIFY(!QFileInfo::exists(none));
    }

    // A run trained on a folder given relative to where it started is found from anywhere: the
    // store records the folder absolute. Data moved since is named, with --data to find it.
    void theRunsDataFromAnyFolder()
    {
        QTemporaryDir dir;
        const normlab::DatasetPair tiny = normlab::test::tinyData(64, 40);
        normlab::test::writeImageFolder(tiny.train, dir.filePath("data/train"), 64);
        normlab::test::writeImageFolder(tiny.test, dir.filePath("data/test"), 40);
        QProcess train;
        train.setWorkingDirectory(dir.path());
        train.start(qEnvironmentVariable("NORMLAB_CLI"),
                    {"train", "s8-gn", "--data", "data", "--epochs", "1", "--threads", "1",
                     "--store", dir.filePath("store")});
        QCOMPARE(normlab::test::finish(train, 240'000).exitCode, 0);
        const QStringList store {"--store", dir.filePath("store")};
        QCOMPARE(normlab::test::runCli(QStringList {"evaluate", "1"} + store).exitCode, 0);

        QVERIFY(QDir(dir.path()).rename("data", "moved"));
        const normlab::test::CliOutcome moved =
                normlab::test::runCli(QStringList {"evaluate", "1"} + store);
        QCOMPARE(moved.exitCode, 2);
        QVERIFY2(moved.err.contains("run 1's recorded data \"" + dir.filePath("data") + "\"") &&
                         moved.err.contains("give its folder with --data"),
                 qPrintable(moved.err));
        const QStringList found {"--data", dir.filePath("moved")};
        const normlab::test::CliOutcome evaluated =
                normlab::test::runCli(QStringList {"evaluate", "1", "--json"} + found + store);
        QCOMPARE(evaluated.exitCode, 0);
        // The same images found elsewhere: compared with what the run recorded.
        QVERIFY2(evaluated.out.contains("recorded_test_accuracy") &&
                         evaluated.out.contains("\"recorded_data\":true"),
                 qPrintable(evaluated.out));
        // Other images: evaluated, and said to be other than the run's.
        const normlab::test::CliOutcome others =
                normlab::test::runCli(QStringList {"evaluate", "1", "--data", "synthetic"} + store);
        QCOMPARE(others.exitCode, 0);
        QVERIFY2(others.out.contains("data: synthetic, not the test images the run recorded "
                                     "(another fingerprint)") &&
                         !others.out.contains("recorded at epoch"),
                 qPrintable(others.out));
        const normlab::test::CliOutcome cam = normlab::test::runCli(
                QStringList {"gradcam", "1", "--out", dir.filePath("cam")} + found + store);
        QCOMPARE(cam.exitCode, 0);
        // Other images under the same name are not drawn as the run's mistakes.
        const normlab::test::CliOutcome other = normlab::test::runCli(
                QStringList {"gradcam", "1", "--out", dir.filePath("cam2"), "--data", "synthetic"} +
                store);
        QCOMPARE(other.exitCode, 2);
        QVERIFY2(other.err.contains("are not those run 1 recorded its mistakes on"),
                 qPrintable(other.err));
    }

    void reportWithGradCam()
    {
        const QString out = m_dir.filePath("report");
        const normlab::test::CliOutcome html = normlab::test::runCli(
                {"report", "1", "--gradcam", "--mistakes", "12", "--out", out, "--store",
                 m_dir.path()});
        QCOMPARE(html.exitCode, 0);
        QVERIFY2(html.err.isEmpty(), qPrintable(html.err)); // no warning: data and checkpoint there
        QFile file(out + "/report.html");
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray text = file.readAll();
        QVERIFY(text.contains("Grad-CAM at C10"));
        QVERIFY(text.contains("<h2>Misclassified test images</h2>"));
        QVERIFY(text.count("data:image/png;base64,") == 3); // curves, confusion, mistakes

        const normlab::test::CliOutcome md = normlab::test::runCli(
                {"report", "last", "--format", "md", "--out", out, "--store", m_dir.path()});
        QCOMPARE(md.exitCode, 0);
        QVERIFY(QFile::exists(out + "/report.md"));
        QVERIFY(!QImage(out + "/report_files/curves.png").isNull());
    }

    // `evaluate` with the run's own views gives what the run recorded at the checkpoint's epoch;
    // other views are counted and described.
    void evaluateAgainWithOtherViews_data()
    {
        QTest::addColumn<QStringList>("trainArgs");
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("views");
        QTest::addColumn<bool>("asRecorded");
        QTest::addColumn<QString>("described");
        const QStringList plain;
        const QStringList viewed {"--tta-flip", "--tta-shift", "1"};
        QTest::newRow("as recorded") << plain << QStringList {} << 1 << true << "the image (1 per";
        QTest::newRow("best checkpoint") << plain << QStringList {"--checkpoint", "best"} << 1
                                         << true << "the image (1 per";
        QTest::newRow("flip") << plain << QStringList {"--tta-flip"} << 2 << false
                              << "the image and its mirror image (2 per";
        QTest::newRow("flip and shift") << plain << QStringList {"--tta-flip", "--tta-shift", "2"}
                                        << 10 << false
                                        << "shifts by 2 px left, right, up and down, each also "
                                           "mirrored (10 per";
        QTest::newRow("recorded with views") << viewed << QStringList {} << 10 << true
                                             << "shifts by 1 px";
        QTest::newRow("recorded with views, taken off")
                << viewed << QStringList {"--no-tta-flip", "--tta-shift", "0"} << 1 << false
                << "the image (1 per";
    }

    void evaluateAgainWithOtherViews()
    {
        QFETCH(QStringList, trainArgs);
        QFETCH(QStringList, args);
        QFETCH(int, views);
        QFETCH(bool, asRecorded);
        QFETCH(QString, described);
        QTemporaryDir store;
        QCOMPARE(normlab::test::runCli(QStringList {"train", "s8-bn", "--data", "synthetic",
                                                    "--train-limit", "256", "--test-limit", "100",
                                                    "--epochs", "1", "--threads", "1", "--store",
                                                    store.path()}
                                       + trainArgs)
                         .exitCode,
                 0);
        const normlab::test::CliOutcome json = normlab::test::runCli(
                QStringList {"evaluate", "1", "--json", "--store", store.path()} + args);
        QCOMPARE(json.exitCode, 0);
        const QJsonObject j = QJsonDocument::fromJson(json.out.toUtf8()).object();
        QCOMPARE(j["views"].toInt(), views);
        QCOMPARE(j["images"].toInt(), 100);
        QCOMPARE(j["epoch"].toInt(), 1);
        if (asRecorded)
            QCOMPARE(j["test_accuracy"].toDouble(), j["recorded_test_accuracy"].toDouble());
        const normlab::test::CliOutcome text = normlab::test::runCli(
                QStringList {"evaluate", "last", "--store", store.path()} + args);
        QCOMPARE(text.exitCode, 0);
        QVERIFY2(text.out.contains(described), qPrintable(text.out));
        QCOMPARE(text.out.contains("as the run evaluated"), asRecorded);
        QVERIFY2(text.out.contains(QString("test accuracy %1 %")
                                           .arg(j["test_accuracy"].toDouble(), 0, 'f', 2)),
                 qPrintable(text.out));
    }

    // Run 1 exists (initTestCase), so only the named part of each is wrong.
    void badInputIsNamed_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("report of no runs")
                << QStringList {"report", "--out", "x"} << "name the runs";
        QTest::newRow("report of an unknown run")
                << QStringList {"report", "7", "--out", "x"} << "no run 7";
        QTest::newRow("report of an unknown sweep")
                << QStringList {"report", "--sweep", "s", "--out", "x"}
                << "--sweep s: no run of that sweep";
        QTest::newRow("report in a bad format")
                << QStringList {"report", "1", "--format", "pdf", "--out", "x"} << "--format";
        QTest::newRow("evaluate an unknown run") << QStringList {"evaluate", "7"} << "no run 7";
        QTest::newRow("evaluate with a shift too far")
                << QStringList {"evaluate", "1", "--tta-shift", "9"} << "--tta-shift";
        QTest::newRow("evaluate with flip and no flip")
                << QStringList {"evaluate", "1", "--tta-flip", "--no-tta-flip"} << "excludes";
        QTest::newRow("evaluate on no such data")
                << QStringList {"evaluate", "1", "--data", "/nonexistent"} << "/nonexistent";
    }

    void badInputIsNamed()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        args << "--store" << m_dir.path();
        const normlab::test::CliOutcome out = normlab::test::runCli(args);
        QCOMPARE(out.exitCode, 2);
        QVERIFY2(out.err.contains(message), qPrintable(out.err));
    }

private:
    enum class ZipPart { EntryData, LocalHeaderSize, CentralDirectory };

    // The offset of one byte of `part` in a zip archive, found through its central directory
    // (LibTorch writes each entry's sizes after its data, not in its local header), or -1.
    static qsizetype offsetIn(const QByteArray &zip, ZipPart part)
    {
        const auto u16 = [&](qsizetype at) {
            return qsizetype(quint8(zip[at])) | qsizetype(quint8(zip[at + 1])) << 8;
        };
        const auto u32 = [&](qsizetype at) { return u16(at) | u16(at + 2) << 16; };
        const qsizetype end = zip.lastIndexOf(QByteArray("PK\x05\x06", 4));
        if (end < 0 || end + 22 > zip.size())
            return -1;
        const qsizetype directory = u32(end + 16);
        if (part == ZipPart::CentralDirectory)
            return directory + 20; // the first entry's compressed size
        if (part == ZipPart::LocalHeaderSize)
            return 18;
        qsizetype largestData = -1;
        qsizetype largestSize = 0;
        qsizetype at = directory;
        for (qsizetype entry = 0; entry < u16(end + 10) && at + 46 <= end; ++entry) {
            const qsizetype size = u32(at + 20);
            const qsizetype local = u32(at + 42);
            if (size > largestSize && local + 30 <= zip.size()) {
                largestSize = size;
                largestData = local + 30 + u16(local + 26) + u16(local + 28);
            }
            at += 46 + u16(at + 28) + u16(at + 30) + u16(at + 32);
        }
        return largestSize > 0 ? largestData + largestSize / 2 : -1;
    }

    QTemporaryDir m_dir;
    QTemporaryDir m_damaged;
    QMap<QString, QByteArray> m_pristine; // the damaged store's checkpoints as written
};

QTEST_MAIN(TestCliPredict)
#include "test_cli_predict.moc"
