// Exports read back: CSV parsed, TensorBoard event files unframed and their CRCs checked here and
// their protobuf messages decoded, MLflow's file store layout and values. The per-layer statistics
// in the exports: test_export_layer_stats.
#include "config_json.h"
#include "errors.h"
#include "export_fixture.h"
#include "mistake_grid.h"
#include "presets.h"
#include "proto/tensorboard.pb.h"
#include "run_export.h"
#include "run_store.h"
#include "run_writer.h"
#include "test_support.h"
#include "tfrecord.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <charconv>
#include <cmath>
#include <fstream>
#include <map>

using namespace normlab;
using namespace normlab::test;
namespace tb = normlab::tensorboard;

class TestExport : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void crc32cTestVectors();
    void tfRecordRoundTripAndCorruption();
    void csv();
    void tensorBoard();
    void mlflow();
    void missingDatasetLeavesImagesOutWithAWarning();
    void badRequests();
    void mistakeLabelsFitTheirTile_data();
    void mistakeLabelsFitTheirTile();

private:
    QTemporaryDir m_tmp;
    std::unique_ptr<RunStore> m_store;
    std::vector<std::int64_t> m_ids;
};

void TestExport::initTestCase()
{
    m_store = std::make_unique<RunStore>((m_tmp.path() + "/store").toStdString());
    m_ids = recordExportRuns(*m_store);
}

void TestExport::crc32cTestVectors()
{
    const std::string vector = "\x1a\x11"
                               "CRC test, one two";
    QCOMPARE(maskedCrc32c(vector.data(), vector.size()), 0x5794d08au);
    QCOMPARE(crc32c("123456789", 9), 0xE3069283u); // the CRC-32C check value
    QCOMPARE(crc32c("", 0), 0u);
}

void TestExport::tfRecordRoundTripAndCorruption()
{
    const std::string path = (m_tmp.path() + "/records").toStdString();
    {
        TfRecordWriter w(path);
        w.write("first");
        w.write(std::string(100'000, 'x'));
        w.write("");
        w.close();
    }
    const auto records = readTfRecords(path);
    QCOMPARE(records.size(), std::size_t(3));
    QCOMPARE(records[0], std::string("first"));
    QCOMPARE(records[1].size(), std::size_t(100'000));
    QVERIFY(records[2].empty());

    QByteArray bytes = test::readAll(QString::fromStdString(path));
    bytes[14] = 'F'; // inside the first record's data
    test::writeAll(QString::fromStdString(path), bytes);
    try {
        readTfRecords(path);
        QFAIL("a corrupted record was read");
    } catch (const InputError &e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains("record 0: data CRC mismatch"), e.what());
    }
}

void TestExport::csv()
{
    const QString out = m_tmp.path() + "/csv";
    const ExportReport report =
            exportRuns(*m_store, m_ids, {ExportFormat::Csv, out.toStdString(), "normlab", true});
    QCOMPARE(report.files.size(), std::size_t(6));

    const auto longLines = lines(out + "/metrics_long.csv");
    QCOMPARE(longLines.front(), std::string("run_id,key,epoch,step,wall_time,value"));
    std::map<std::tuple<std::int64_t, std::string, int>, double> values;
    int batchRows = 0;
    for (std::size_t i = 1; i < longLines.size(); ++i) {
        const auto f = split(longLines[i], ',');
        QCOMPARE(f.size(), std::size_t(6));
        if (f[1] == "batch_loss")
            ++batchRows;
        else
            values[{std::stoll(f[0]), f[1], std::stoi(f[2])}] = parseDouble(f[5]);
    }
    for (const std::int64_t id : m_ids) {
        QCOMPARE(static_cast<int>(m_store->batches(id).size()), 20); // 10 batches of 32, 2 epochs
        for (const EpochMetrics &m : m_store->epochs(id)) {
            QCOMPARE((values[{id, "test_accuracy", m.epoch}]), m.testAccuracy);
            QCOMPARE((values[{id, "train_loss", m.epoch}]), m.trainLoss);
            QCOMPARE((values[{id, "lr", m.epoch}]), m.lr);
        }
    }
    QCOMPARE(batchRows, 40);

    const auto wide = lines(out + QString("/run_%1.csv").arg(m_ids[0]));
    QCOMPARE(wide.size(), std::size_t(3));
    QVERIFY(wide[0].rfind("epoch,train_loss,train_accuracy,test_loss,test_accuracy,lr", 0) == 0);

    const auto runs = lines(out + "/runs.csv");
    QCOMPARE(runs.size(), std::size_t(3));
    QVERIFY2(runs[1].find("\"bn, quick\"") != std::string::npos, runs[1].c_str());
    QVERIFY2(runs[1].find("\"line one, with a comma\"") != std::string::npos, runs[1].c_str());
    QVERIFY2(runs[2].find("\"gn \"\"quick\"\"\"") != std::string::npos, runs[2].c_str());
}

void TestExport::tensorBoard()
{
    const QString out = m_tmp.path() + "/tb";
    const ExportReport report = exportRuns(
            *m_store, m_ids, {ExportFormat::TensorBoard, out.toStdString(), "normlab", true});
    QVERIFY2(report.warnings.empty(),
             report.warnings.empty() ? "" : report.warnings.front().c_str());

    // The experiment, in the top folder.
    const QStringList top = eventFiles(out);
    QCOMPARE(top.size(), 1);
    const auto topEvents = readEvents(top.front());
    QCOMPARE(topEvents.front().file_version(), std::string("brain.Event:2"));
    const tb::Summary::Value &expValue = topEvents.at(1).summary().value(0);
    QCOMPARE(expValue.tag(), std::string("_hparams_/experiment"));
    QCOMPARE(expValue.metadata().plugin_data().plugin_name(), std::string("hparams"));
    tb::HParamsPluginData experiment;
    QVERIFY(experiment.ParseFromString(expValue.metadata().plugin_data().content()));
    QVERIFY(experiment.has_experiment());
    std::map<std::string, tb::HParamDataType> infos;
    for (const auto &info : experiment.experiment().hparam_infos())
        infos[info.name()] = info.type();
    QCOMPARE(infos.at("model.norm"), tb::DATA_TYPE_STRING);
    QCOMPARE(infos.at("optimizer.lr"), tb::DATA_TYPE_FLOAT64);
    QCOMPARE(infos.at("model.skip"), tb::DATA_TYPE_BOOL);
    QCOMPARE(experiment.experiment().metric_infos(0).name().tag(),
             std::string("best/test_accuracy"));

    for (std::size_t r = 0; r < m_ids.size(); ++r) {
        const RunRecord record = m_store->run(m_ids[r]);
        const QStringList dirs =
                QDir(out).entryList({QString::number(record.id) + "-*"}, QDir::Dirs);
        QCOMPARE(dirs.size(), 1);
        const QStringList files = eventFiles(out + "/" + dirs.front());
        QCOMPARE(files.size(), 1);
        const auto events = readEvents(files.front());
        QCOMPARE(events.front().file_version(), std::string("brain.Event:2"));

        std::map<std::pair<std::string, std::int64_t>, float> scalars;
        std::map<std::pair<std::string, std::int64_t>, tb::HistogramProto> histograms;
        int images = 0;
        bool sawStart = false, sawEnd = false;
        for (const tb::Event &e : events) {
            for (const tb::Summary::Value &v : e.summary().value()) {
                if (v.has_simple_value())
                    scalars[{v.tag(), e.step()}] = v.simple_value();
                if (v.has_histo())
                    histograms[{v.tag(), e.step()}] = v.histo();
                if (v.has_image()) {
                    ++images;
                    const std::string &png = v.image().encoded_image_string();
                    const cv::Mat decoded = cv::imdecode(std::vector<uchar>(png.begin(), png.end()),
                                                         cv::IMREAD_COLOR);
                    QVERIFY(!decoded.empty());
                    QCOMPARE(decoded.cols, v.image().width());
                    QCOMPARE(decoded.rows, v.image().height());
                }
                if (v.metadata().plugin_data().plugin_name() == "hparams") {
                    tb::HParamsPluginData data;
                    QVERIFY(data.ParseFromString(v.metadata().plugin_data().content()));
                    if (data.has_session_start_info()) {
                        sawStart = true;
                        QCOMPARE(
                                data.session_start_info().hparams().at("model.norm").string_value(),
                                std::string(r == 0 ? "batch" : "group"));
                        QCOMPARE(data.session_start_info()
                                         .hparams()
                                         .at("optimizer.lr")
                                         .number_value(),
                                 0.01);
                    }
                    if (data.has_session_end_info()) {
                        sawEnd = true;
                        QCOMPARE(data.session_end_info().status(), tb::STATUS_SUCCESS);
                    }
                }
            }
        }
        QVERIFY(sawStart && sawEnd);
        QCOMPARE(images, 2);
        double best = 0;
        for (const EpochMetrics &m : m_store->epochs(record.id)) {
            QCOMPARE((scalars[{"accuracy/test", m.epoch}]), static_cast<float>(m.testAccuracy));
            QCOMPARE((scalars[{"loss/train", m.epoch}]), static_cast<float>(m.trainLoss));
            best = std::max(best, m.testAccuracy);
        }
        QCOMPARE((scalars[{"best/test_accuracy", 2}]), static_cast<float>(best));
        for (const BatchPoint &b : m_store->batches(record.id))
            QCOMPARE((scalars[{"loss/train_batch", b.step}]), static_cast<float>(b.loss));
    }

    // Exporting again replaces the experiment instead of adding a second one.
    exportRuns(*m_store, m_ids, {ExportFormat::TensorBoard, out.toStdString(), "normlab", false});
    QCOMPARE(eventFiles(out).size(), 1);
}

void TestExport::mlflow()
{
    const QString out = m_tmp.path() + "/ml";
    exportRuns(*m_store, m_ids, {ExportFormat::MLflow, out.toStdString(), "norm study", true});
    const QString mlruns = out + "/mlruns";
    QVERIFY(fileText(mlruns + "/1/meta.yaml").find("name: 'norm study'") != std::string::npos);
    const QStringList runDirs = QDir(mlruns + "/1").entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    QCOMPARE(runDirs.size(), 2);

    int matched = 0;
    for (const QString &dirName : runDirs) {
        const QString dir = mlruns + "/1/" + dirName;
        QCOMPARE(dirName.size(), 32);
        const std::string meta = fileText(dir + "/meta.yaml");
        QVERIFY(meta.find("run_id: " + dirName.toStdString()) != std::string::npos);
        QVERIFY(meta.find("status: 3") != std::string::npos);
        QVERIFY(meta.find("experiment_id: '1'") != std::string::npos);
        const std::int64_t id = std::stoll(fileText(dir + "/tags/normlab.run_id"));
        const RunRecord record = m_store->run(id);
        QCOMPARE(fileText(dir + "/tags/mlflow.runName"), record.name);
        QCOMPARE(fileText(dir + "/params/model.norm"),
                 std::string(id == m_ids[0] ? "batch" : "group"));
        QCOMPARE(fileText(dir + "/params/augment.0.type"), std::string("ColorJitter"));
        const auto metric = lines(dir + "/metrics/test_accuracy");
        const auto epochs = m_store->epochs(id);
        QCOMPARE(metric.size(), epochs.size());
        for (std::size_t e = 0; e < epochs.size(); ++e) {
            const auto f = split(metric[e], ' ');
            QCOMPARE(f.size(), std::size_t(3));
            QCOMPARE(std::stoll(f[0]), static_cast<long long>(epochs[e].wallTime * 1000));
            QCOMPARE(parseDouble(f[1]), epochs[e].testAccuracy);
            QCOMPARE(std::stoi(f[2]), epochs[e].epoch);
        }
        QCOMPARE(lines(dir + "/metrics/train_batch_loss").size(), std::size_t(20));
        QVERIFY(QFile::exists(dir + "/artifacts/misclassified_epoch_2.png"));
        QVERIFY(QFile::exists(dir + "/artifacts/config.json"));
        ++matched;
    }
    QCOMPARE(matched, 2);

    // Same experiment and run folders when exported again.
    exportRuns(*m_store, m_ids, {ExportFormat::MLflow, out.toStdString(), "norm study", false});
    QCOMPARE(QDir(mlruns).entryList(QDir::Dirs | QDir::NoDotAndDotDot).size(), 1);
    QCOMPARE(QDir(mlruns + "/1").entryList(QDir::Dirs | QDir::NoDotAndDotDot), runDirs);
}

void TestExport::missingDatasetLeavesImagesOutWithAWarning()
{
    ExperimentConfig c = presetConfig("s8-bn");
    c.data.source = (m_tmp.path() + "/gone").toStdString();
    const std::int64_t id = m_store->createRun({"data gone", toJson(c).dump(), 1, {}, {}, {}});
    {
        RunWriter w(*m_store, id);
        EpochMetrics m;
        m.epoch = 1;
        m.wallTime = 1.7e9;
        m.misclassified = {{3, 1, 2, 0.9f}};
        w.addEpoch(m);
        w.finish(RunState::Finished);
    }
    const ExportReport report = exportRuns(
            *m_store, {id},
            {ExportFormat::TensorBoard, (m_tmp.path() + "/tb-gone").toStdString(), "x", true});
    QCOMPARE(report.warnings.size(), std::size_t(1));
    QVERIFY2(report.warnings[0].find("misclassified images left out") != std::string::npos,
             report.warnings[0].c_str());
    QVERIFY2(report.warnings[0].find("gone") != std::string::npos, report.warnings[0].c_str());
}

void TestExport::badRequests()
{
    QVERIFY_THROWS_EXCEPTION(
            StoreError, exportRuns(*m_store, {999},
                                   {ExportFormat::Csv, m_tmp.path().toStdString(), "x", true}));
    QVERIFY_THROWS_EXCEPTION(
            InputError,
            exportRuns(*m_store, {}, {ExportFormat::Csv, m_tmp.path().toStdString(), "x", true}));
    test::writeAll(m_tmp.path() + "/a-file", "x");
    QVERIFY_THROWS_EXCEPTION(InputError,
                             exportRuns(*m_store, m_ids,
                                        {ExportFormat::Csv,
                                         (m_tmp.path() + "/a-file/sub").toStdString(), "x", true}));
    QVERIFY(exportFormatFromString("tensorboard").has_value());
    QVERIFY(!exportFormatFromString("parquet").has_value());
}

// The grid's labels were cut at six letters ("airpla>automo"): a name is now cut only where it
// does not fit the 96-pixel tile, and a long pair goes on two lines.
void TestExport::mistakeLabelsFitTheirTile_data()
{
    QTest::addColumn<QString>("truth");
    QTest::addColumn<QString>("predicted");
    QTest::addColumn<QStringList>("lines");
    QTest::newRow("short pair") << "cat"
                                << "dog" << QStringList {"cat>dog"};
    QTest::newRow("long pair") << "airplane"
                               << "automobile" << QStringList {"airplane>", "automobile"};
    QTest::newRow("name too long for a line")
            << "truck"
            << "a-very-long-class-name" << QStringList {"truck>", "a-very-long-"};
    QTest::newRow("a trailing number kept whole") << "horizontal_grating018"
                                                  << "dog" << QStringList {"horizontal018>", "dog"};
}

void TestExport::mistakeLabelsFitTheirTile()
{
    QFETCH(QString, truth);
    QFETCH(QString, predicted);
    QFETCH(QStringList, lines);
    QStringList got;
    for (const std::string &line : mistakeLabelLines(truth.toStdString(), predicted.toStdString()))
        got << QString::fromStdString(line);
    QCOMPARE(got, lines);
}

QTEST_GUILESS_MAIN(TestExport)
#include "test_export.moc"
