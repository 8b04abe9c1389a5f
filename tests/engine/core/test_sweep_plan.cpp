// Sweep planning, shared by the CLI's sweep and the desktop's Compare Normalizations: every
// combination, checked before any exists; names, LayerNorm's affine policy, the sweep id.

#include "errors.h"
#include "presets.h"
#include "sweep_plan.h"

#include <QtTest>

using namespace normlab;

class TestSweepPlan : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyCombinationLastAxisFastest()
    {
        const ExperimentConfig base = presetConfig("s8-bn");
        const SweepPlan plan = planSweep(
                base, {normAxis({NormKind::Batch, NormKind::Group}), seedAxis(7, 2)},
                {"s8-bn", SweepOptions::Names::KeyValues, SweepOptions::LayerNorm::AsConfigured});
        QCOMPARE(plan.runs.size(), std::size_t(4));
        QStringList names;
        for (const PlannedRun &r : plan.runs)
            names << QString::fromStdString(r.name);
        QCOMPARE(names, (QStringList {"s8-bn norm=batch seed=7", "s8-bn norm=batch seed=8",
                                      "s8-bn norm=group seed=7", "s8-bn norm=group seed=8"}));
        QVERIFY(plan.runs[3].config.model.norm == NormKind::Group);
        QCOMPARE(plan.runs[3].config.seed, std::uint64_t(8));
        QVERIFY(QString::fromStdString(plan.id).startsWith("sweep-"));
    }

    void namesInWords()
    {
        const SweepPlan plan =
                planSweep(presetConfig("s8-bn"), {normAxis({NormKind::Layer}), seedAxis(1, 2)},
                          {{}, SweepOptions::Names::Words, SweepOptions::LayerNorm::Reference});
        QCOMPARE(QString::fromStdString(plan.runs[1].name), QString("s8 LayerNorm, seed 2"));
        QCOMPARE(QString::fromStdString(plan.runs[1].config.name), QString("s8 LayerNorm, seed 2"));
    }

    void layerNormPolicy_data()
    {
        QTest::addColumn<bool>("reference");
        QTest::addColumn<bool>("affine");
        QTest::newRow("as configured") << false << true;
        QTest::newRow("the reference study's") << true << false;
    }

    void layerNormPolicy()
    {
        QFETCH(bool, reference);
        QFETCH(bool, affine);
        ExperimentConfig base = presetConfig("s8-bn");
        base.model.affine = true;
        const SweepPlan plan = planSweep(base, {normAxis({NormKind::Batch, NormKind::Layer})},
                                         {{},
                                          SweepOptions::Names::KeyValues,
                                          reference ? SweepOptions::LayerNorm::Reference
                                                    : SweepOptions::LayerNorm::AsConfigured});
        QCOMPARE(plan.runs[1].config.model.affine, affine);
        QCOMPARE(plan.layerNormKeepsAffine, affine);
    }

    // One combination the engine refuses: nothing is planned, and the message names it.
    void aRefusedCombinationPlansNothing()
    {
        ExperimentConfig base = presetConfig("s8-bn");
        base.model.groups = 5; // fine for BatchNorm; GroupNorm needs 24 and 32 channels to split
        try {
            planSweep(base, {normAxis({NormKind::Batch, NormKind::Group}), seedAxis(1, 2)}, {});
            QFAIL("planned a GroupNorm with 5 groups of 24 channels");
        } catch (const ConfigError &e) {
            QVERIFY2(QString(e.what()).startsWith("sweep model.norm=group: "), e.what());
            QVERIFY2(QString(e.what()).contains("model.groups"), e.what());
        }
    }

    void nothingToSweep()
    {
        QVERIFY_THROWS_EXCEPTION(ConfigError, planSweep(presetConfig("s8-bn"), {}, {}));
    }
};

QTEST_GUILESS_MAIN(TestSweepPlan)
#include "test_sweep_plan.moc"
