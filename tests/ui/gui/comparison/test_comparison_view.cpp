// The Comparison tab: per class, only runs with the same classes are set side by side, and the
// others are named in a hint.

#include "comparison_view.h"
#include "config_json.h"
#include "run_store.h"
#include "run_writer.h"
#include "test_support.h"

#include <QSettings>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <memory>

using namespace normlab;
using namespace normlab::gui;
using test::quickConfig;

class TestComparisonView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void perClassComparesOnlyTheSameClasses();

private:
    std::unique_ptr<QTemporaryDir> m_tmp;
};

void TestComparisonView::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QCoreApplication::setOrganizationName("NormLabTest");
    QSettings().clear();
}

// Run 2 (synthetic "grating" classes) was shown per class beside run 1 (CIFAR-10) under
// CIFAR-10's class names.
void TestComparisonView::perClassComparesOnlyTheSameClasses()
{
    RunStore store(m_tmp->path().toStdString());
    auto record = [&](const std::vector<std::string> &classes) {
        const qint64 id = store.createRun({"run", toJson(quickConfig(1)).dump(), 1, {}, {}, {}});
        RunWriter writer(store, id);
        writer.started({"synthetic", "", "", classes, 48552, "cpu"});
        EpochMetrics m;
        m.epoch = 1;
        m.confusion = {3, 1, /**/ 0, 4};
        writer.addEpoch(m);
        writer.finish(RunState::Finished);
        return id;
    };
    const qint64 cifar = record({"airplane", "automobile"});
    const qint64 synthetic = record({"grating000", "grating090"});
    const qint64 cifarAgain = record({"airplane", "automobile"});
    ComparisonView view;
    view.setCheckedRuns({cifar, synthetic, cifarAgain});
    view.refresh(store);
    QTableWidget *table = view.classTable();
    QCOMPARE(table->columnCount(), 2);
    QVERIFY(table->horizontalHeaderItem(0)->text().startsWith(QString::number(cifar)));
    QVERIFY(table->horizontalHeaderItem(1)->text().startsWith(QString::number(cifarAgain)));
    QCOMPARE(table->verticalHeaderItem(0)->text(), QString("airplane"));
    QVERIFY2(view.classHint().contains(QString("run %1 (grating000").arg(synthetic)),
             qPrintable(view.classHint()));
}

QTEST_MAIN(TestComparisonView)
#include "test_comparison_view.moc"
