// The layer x epoch pivot that `normlab-cli runs inside` prints and the Inside tab draws.
#include "layer_stat_table.h"

#include <QTest>

#include <cmath>
#include <limits>

using namespace normlab;

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

LayerStatsRow row(int layer, double outputStd, double gradNorm)
{
    LayerStatsRow r;
    r.layer = layer;
    r.name = "conv" + std::to_string(layer + 1);
    r.values.fill(kNan);
    r[LayerStat::OutputStd] = outputStd;
    r[LayerStat::GradNorm] = gradNorm;
    return r;
}

} // namespace

class TestLayerStatTable : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pivot_data();
    void pivot();
    void emptyAndDamaged();
};

void TestLayerStatTable::pivot_data()
{
    QTest::addColumn<int>("stat");
    QTest::addColumn<QList<double>>("layer0"); // by epoch
    QTest::addColumn<QList<double>>("layer1");
    // The probe's value where it has one; grad_norm (no step on the probe) is the mean of the
    // epoch's training samples.
    QTest::newRow("output_std from the probes")
            << static_cast<int>(LayerStat::OutputStd) << QList<double> {1.0, 3.0}
            << QList<double> {2.0, 4.0};
    QTest::newRow("grad_norm from the training samples")
            << static_cast<int>(LayerStat::GradNorm) << QList<double> {0.2, 0.5}
            << QList<double> {0.4, kNan};
}

void TestLayerStatTable::pivot()
{
    QFETCH(int, stat);
    QFETCH(QList<double>, layer0);
    QFETCH(QList<double>, layer1);
    const std::vector<LayerStatsSample> samples = {
            {1, 10, {row(0, 9.0, 0.1), row(1, 9.0, 0.3)}},
            {1, 20, {row(0, 9.0, 0.3), row(1, 9.0, 0.5)}},
            {1, -1, {row(0, 1.0, kNan), row(1, 2.0, kNan)}},
            {2, 30, {row(0, 9.0, 0.5), row(1, 9.0, kNan)}},
            {2, -1, {row(0, 3.0, kNan), row(1, 4.0, kNan)}},
    };
    const LayerStatTable t = layerStatTable(samples, static_cast<LayerStat>(stat));
    QCOMPARE(t.layers, (std::vector<std::string> {"conv1", "conv2"}));
    QCOMPARE(t.epochs, (std::vector<int> {1, 2}));
    for (std::size_t e = 0; e < 2; ++e) {
        const std::vector<double> column = t.column(e);
        const double want[2] = {layer0[static_cast<int>(e)], layer1[static_cast<int>(e)]};
        for (std::size_t l = 0; l < 2; ++l) {
            if (std::isnan(want[l]))
                QVERIFY(std::isnan(column[l]));
            else
                QCOMPARE(column[l], want[l]);
            QCOMPARE(std::isnan(t.values[l][e]), std::isnan(want[l]));
        }
    }
}

void TestLayerStatTable::emptyAndDamaged()
{
    QVERIFY(layerStatTable({}, LayerStat::OutputStd).empty());
    // A row whose layer is missing keeps the depth of the others; a negative depth is dropped.
    const LayerStatTable t =
            layerStatTable({{1, -1, {row(0, 1.0, kNan), row(2, 3.0, kNan), row(-4, 7.0, kNan)}}},
                           LayerStat::OutputStd);
    QCOMPARE(t.layers, (std::vector<std::string> {"conv1", "", "conv3"}));
    QCOMPARE(t.values[2][0], 3.0);
    QVERIFY(std::isnan(t.values[1][0]));
    QVERIFY(std::isnan(t.column(5)[0]));
}

QTEST_GUILESS_MAIN(TestLayerStatTable)
#include "test_layer_stat_table.moc"
