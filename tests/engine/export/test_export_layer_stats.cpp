// The per-layer statistics in the exports (docs/inside.md): in CSV every recorded value in its
// column (NaN an empty field) and every histogram bin; in TensorBoard a section per statistic with
// a chart per layer (probes by epoch, sampled training batches by step) and the output histograms.
#include "export_fixture.h"
#include "run_export.h"
#include "run_store.h"
#include "test_support.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <map>

using namespace normlab;
using namespace normlab::test;
namespace tb = normlab::tensorboard;

class TestExportLayerStats : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void csv();
    void tensorBoard();

private:
    QTemporaryDir m_tmp;
    std::unique_ptr<RunStore> m_store;
    std::vector<std::int64_t> m_ids;
};

void TestExportLayerStats::initTestCase()
{
    m_store = std::make_unique<RunStore>((m_tmp.path() + "/store").toStdString());
    m_ids = recordExportRuns(*m_store);
}

void TestExportLayerStats::csv()
{
    const QString out = m_tmp.path() + "/csv";
    exportRuns(*m_store, m_ids, {ExportFormat::Csv, out.toStdString(), "normlab", true});
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

void TestExportLayerStats::tensorBoard()
{
    const QString out = m_tmp.path() + "/tb";
    exportRuns(*m_store, m_ids, {ExportFormat::TensorBoard, out.toStdString(), "normlab", true});
    for (const std::int64_t id : m_ids) {
        const RunRecord record = m_store->run(id);
        const QString file = runEventFile(out, id);
        QVERIFY(!file.isEmpty());
        const std::vector<tb::Event> events = readEvents(file);
        const auto scalars = scalarsOf(events);
        const auto histograms = histogramsOf(events);
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
}

QTEST_GUILESS_MAIN(TestExportLayerStats)
#include "test_export_layer_stats.moc"
