// Exports read back: CSV parsed, TensorBoard event files unframed and their CRCs checked here and
// their protobuf messages decoded, MLflow's file store layout and values.
#include "config_json.h"
#include "errors.h"
#include "presets.h"
#include "proto/tensorboard.pb.h"
#include "run_export.h"
#include "run_session.h"
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
namespace tb = normlab::tensorboard;

namespace {

std::uint64_t littleEndian(const std::string &bytes, std::size_t offset, int size)
{
    std::uint64_t v = 0;
    for (int i = 0; i < size; ++i)
        v |= static_cast<std::uint64_t>(
                     static_cast<unsigned char>(bytes[offset + static_cast<std::size_t>(i)]))
             << (8 * i);
    return v;
}

// TFRecord framing parsed here, independently of the engine's reader.
std::vector<tb::Event> readEvents(const QString &path)
{
    const std::string bytes = test::readAll(path).toStdString();
    std::vector<tb::Event> events;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        if (pos + 12 > bytes.size())
            throw std::runtime_error("truncated header");
        const std::uint64_t length = littleEndian(bytes, pos, 8);
        if (littleEndian(bytes, pos + 8, 4) != maskedCrc32c(bytes.data() + pos, 8))
            throw std::runtime_error("bad length CRC");
        const std::string data = bytes.substr(pos + 12, length);
        if (littleEndian(bytes, pos + 12 + length, 4) != maskedCrc32c(data.data(), data.size()))
            throw std::runtime_error("bad data CRC");
        tb::Event e;
        if (!e.ParseFromString(data))
            throw std::runtime_error("not an Event");
        events.push_back(e);
        pos += 12 + length + 4;
    }
    return events;
}

QStringList eventFiles(const QString &dir)
{
    QStringList files;
    for (const QString &name : QDir(dir).entryList({"events.out.tfevents.*"}, QDir::Files))
        files << dir + "/" + name;
    return files;
}

double parseDouble(const std::string &text)
{
    double v = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size())
        throw std::runtime_error("not a number: " + text);
    return v;
}

std::vector<std::string> split(const std::string &line, char separator)
{
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = line.find(separator, start);
        parts.push_back(
                line.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos)
            return parts;
        start = end + 1;
    }
}

std::vector<std::string> lines(const QString &path)
{
    std::ifstream in(path.toStdString());
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

std::string fileText(const QString &path)
{
    return test::readAll(path).toStdString();
}

} // namespace

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

private:
    QTemporaryDir m_tmp;
    std::unique_ptr<RunStore> m_store;
    std::vector<std::int64_t> m_ids;
};

void TestExport::initTestCase()
{
    m_store = std::make_unique<RunStore>((m_tmp.path() + "/store").toStdString());
    for (const NormKind norm : {NormKind::Batch, NormKind::Group}) {
        ExperimentConfig c = presetConfig("s8-bn");
        c.model.norm = norm;
        c.data.source = "synthetic";
        c.data.trainLimit = 320;
        c.data.testLimit = 200;
        c.epochs = 2;
        c.threads = 1;
        const std::int64_t id =
                m_store->createRun({norm == NormKind::Batch ? "bn, quick" : "gn \"quick\"",
                                    toJson(c).dump(),
                                    c.seed,
                                    {"export"},
                                    {},
                                    {}});
        RunSession session(*m_store, id);
        TrainerCallbacks callbacks;
        callbacks.batchIntervalMs = 0; // every batch recorded
        callbacks.layerStatsEvery = 4; // layer statistics every 4th of the 20 steps
        QVERIFY(session.run(callbacks).status == RunStatus::Finished);
        m_ids.push_back(id);
    }
    m_store->setNote(m_ids[0], "line one, with a comma");
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

    // Per-layer statistics: every recorded value, in its column; NaN as an empty field.
    const auto statLines = lines(out + "/layer_stats.csv");
    const auto statHeader = split(statLines.front(), ',');
    QCOMPARE(statHeader.size(), std::size_t(5 + kLayerStatCount));
    QCOMPARE(statHeader[5], std::string("input_mean"));
    std::map<std::tuple<std::int64_t, int, std::int64_t, int>, std::vector<std::string>> statRows;
    for (std::size_t i = 1; i < statLines.size(); ++i) {
        const auto f = split(statLines[i], ',');
        QCOMPARE(f.size(), statHeader.size());
        statRows[{std::stoll(f[0]), std::stoi(f[1]), std::stoll(f[2]), std::stoi(f[3])}] = f;
    }
    std::size_t recorded = 0;
    for (const std::int64_t id : m_ids) {
        const auto samples = m_store->layerStats(id);
        QCOMPARE(samples.size(), std::size_t(7)); // steps 4, 8, 12, 16, 20 and a probe per epoch
        for (const LayerStatsSample &sample : samples)
            for (const LayerStatsRow &row : sample.layers) {
                ++recorded;
                const auto &f = statRows.at({id, sample.epoch, sample.step, row.layer});
                QCOMPARE(f[4], row.name);
                for (int s = 0; s < kLayerStatCount; ++s) {
                    const double v = row.values[static_cast<std::size_t>(s)];
                    const std::string &field = f[5 + static_cast<std::size_t>(s)];
                    if (std::isfinite(v))
                        QCOMPARE(parseDouble(field), v);
                    else
                        QVERIFY(field.empty());
                }
            }
    }
    QCOMPARE(statRows.size(), recorded);

    // Histograms: a row per bin, the bins covering the recorded range, the counts as recorded.
    std::map<std::tuple<std::int64_t, int, int>, std::int64_t> binTotals;
    for (const std::string &line : lines(out + "/layer_histograms.csv")) {
        const auto f = split(line, ',');
        QCOMPARE(f.size(), std::size_t(8));
        if (f[0] == "run_id")
            continue;
        QVERIFY(parseDouble(f[5]) < parseDouble(f[6]));
        binTotals[{std::stoll(f[0]), std::stoi(f[1]), std::stoi(f[2])}] += std::stoll(f[7]);
    }
    for (const std::int64_t id : m_ids)
        for (const LayerHistogram &h : m_store->layerHistograms(id)) {
            std::int64_t total = 0;
            for (const std::int64_t c : h.counts)
                total += c;
            QVERIFY(total > 0);
            QCOMPARE((binTotals[{id, h.epoch, h.layer}]), total);
        }
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

        // Layer statistics: a section per statistic, a chart per layer; probes by epoch, the
        // sampled training batches by step.
        std::map<int, std::string> names;
        for (const LayerStatsSample &sample : m_store->layerStats(record.id))
            for (const LayerStatsRow &row : sample.layers) {
                names[row.layer] = row.name;
                const std::string layer = QString("/%1-%2")
                                                  .arg(row.layer, 2, 10, QChar('0'))
                                                  .arg(QString::fromStdString(row.name))
                                                  .toStdString();
                const bool probe = sample.step < 0;
                const std::int64_t step = probe ? sample.epoch : sample.step;
                const std::string section = probe ? "inside." : "inside_train.";
                QCOMPARE((scalars.at({section + "output_std" + layer, step})),
                         static_cast<float>(row[LayerStat::OutputStd]));
                if (!probe)
                    QCOMPARE((scalars.at({section + "grad_norm" + layer, step})),
                             static_cast<float>(row[LayerStat::GradNorm]));
                else
                    QVERIFY(!scalars.count({section + "grad_norm" + layer, step})); // NaN: left out
            }
        const auto recorded = m_store->layerHistograms(record.id);
        QVERIFY(!recorded.empty());
        for (const LayerHistogram &h : recorded) {
            const std::string tag = QString("inside.output_histogram/%1-%2")
                                            .arg(h.layer, 2, 10, QChar('0'))
                                            .arg(QString::fromStdString(names.at(h.layer)))
                                            .toStdString();
            const tb::HistogramProto &histo = histograms.at({tag, h.epoch});
            QCOMPARE(static_cast<std::size_t>(histo.bucket_size()), h.counts.size());
            QCOMPARE(histo.bucket_limit_size(), histo.bucket_size());
            double num = 0;
            for (int b = 0; b < histo.bucket_size(); ++b) {
                QCOMPARE(histo.bucket(b),
                         static_cast<double>(h.counts[static_cast<std::size_t>(b)]));
                if (b > 0)
                    QVERIFY(histo.bucket_limit(b) > histo.bucket_limit(b - 1));
                num += histo.bucket(b);
            }
            QCOMPARE(histo.num(), num);
            QCOMPARE(histo.min(), h.lo);
            QCOMPARE(histo.bucket_limit(histo.bucket_size() - 1), h.hi);
        }
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

QTEST_GUILESS_MAIN(TestExport)
#include "test_export.moc"
