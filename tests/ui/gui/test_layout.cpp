// Issue 12, item 18 (a cramped layout) and its siblings: the model summary shows every block and
// every column, the augmentation preview fills its width and sets the originals apart, editing an
// augmentation step leaves the form where the user scrolled it, and legends fit their entries.
#include "augment_editor.h"
#include "augment_preview.h"
#include "chart_style.h"
#include "config_panel.h"
#include "main_window.h"
#include "model_spec.h"
#include "model_summary_view.h"
#include "presets.h"
#include "seed_groups.h"
#include "test_support.h"

#include <QDoubleSpinBox>
#include <QHeaderView>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

#include <memory>
#include <set>

using namespace normlab;
using namespace normlab::gui;

namespace {

QScrollArea *scrollAreaOf(QWidget *widget)
{
    for (QWidget *w = widget; w; w = w->parentWidget())
        if (auto *area = qobject_cast<QScrollArea *>(w))
            return area;
    return nullptr;
}

} // namespace

class TestLayout : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void summaryShowsEveryBlockAndColumn_data();
    void summaryShowsEveryBlockAndColumn();
    void previewFillsItsWidth();
    void editingAStepKeepsTheFormStill();
    void bandNamesLeaveTheSeedOut_data();
    void bandNamesLeaveTheSeedOut();
    void legendColumnsFitTheirNames();

private:
    std::unique_ptr<QTemporaryDir> m_tmp;
};

void TestLayout::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QCoreApplication::setOrganizationName("NormLabTest");
    QSettings().clear();
}

void TestLayout::summaryShowsEveryBlockAndColumn_data()
{
    QTest::addColumn<QString>("preset");
    for (const char *preset : {"s8-bn", "s8-ln", "s9"})
        QTest::newRow(preset) << preset;
}

void TestLayout::summaryShowsEveryBlockAndColumn()
{
    QFETCH(QString, preset);
    MainWindow window(m_tmp->path());
    window.resize(1400, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.configPanel()->setConfig(presetConfig(preset.toStdString()));
    QTreeWidget *table = window.modelSummary()->table();

    // One row per block: the top level names each layer once, before its first dot.
    const ModelSummary summary = summarize(buildModelSpec(presetConfig(preset.toStdString()).model));
    std::set<std::string> blocks;
    for (const SummaryRow &row : summary.rows)
        blocks.insert(row.layer.substr(0, row.layer.find('.')));
    QCOMPARE(static_cast<std::size_t>(table->topLevelItemCount()), blocks.size());
    std::int64_t params = 0;
    for (int r = 0; r < table->topLevelItemCount(); ++r)
        params += QLocale().toLongLong(table->topLevelItem(r)->text(3));
    QCOMPARE(params, summary.totalParams);

    // Every row and the MACs column in sight, without scrolling.
    QTRY_VERIFY(table->verticalScrollBar()->maximum() == 0);
    QCOMPARE(table->horizontalScrollBar()->maximum(), 0);
    const QRect last = table->visualItemRect(table->topLevelItem(table->topLevelItemCount() - 1));
    QVERIFY2(table->viewport()->rect().contains(last), qPrintable(preset));
    const int macsRight = table->header()->sectionViewportPosition(4) + table->header()->sectionSize(4);
    QVERIFY2(macsRight <= table->viewport()->width(),
             qPrintable(QString("%1 > %2").arg(macsRight).arg(table->viewport()->width())));
}

void TestLayout::previewFillsItsWidth()
{
    AugmentPreview preview;
    preview.resize(1200, 700);
    preview.show();
    QVERIFY(QTest::qWaitForWindowExposed(&preview));
    QSignalSpy updated(&preview, &AugmentPreview::updated);
    preview.setConfig(test::quickConfig(1));
    QTRY_VERIFY_WITH_TIMEOUT(updated.size() >= 1, 30'000);
    // Five draws used to leave half of a wide tab empty.
    QVERIFY2(preview.drawCount() >= 9, qPrintable(QString::number(preview.drawCount())));
    QVERIFY(preview.grid().width() <= 1200);
    QVERIFY(preview.grid().width() > 1200 - preview.tileRect(0, 0).width() * 2);
    // The originals are set apart from their draws by more than the draws from each other.
    const int afterOriginal = preview.tileRect(0, 1).left() - preview.tileRect(0, 0).right();
    const int betweenDraws = preview.tileRect(0, 2).left() - preview.tileRect(0, 1).right();
    QVERIFY(afterOriginal > 2 * betweenDraws);

    const int before = preview.drawCount();
    preview.resize(700, 700);
    QTRY_VERIFY(preview.drawCount() < before);
    QVERIFY(preview.grid().width() <= 700);
}

void TestLayout::editingAStepKeepsTheFormStill()
{
    MainWindow window(m_tmp->path());
    window.resize(1400, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    AugmentEditor *editor = window.configPanel()->augmentEditor();
    QScrollArea *area = scrollAreaOf(window.configPanel());
    QVERIFY(area);
    QVERIFY2(area->verticalScrollBar()->maximum() > 0, "the form fits: nothing to scroll");
    area->ensureWidgetVisible(editor);
    QTest::qWait(50);
    const int scrolled = area->verticalScrollBar()->value();
    QVERIFY(scrolled > 0);

    QList<QDoubleSpinBox *> fields = editor->findChildren<QDoubleSpinBox *>();
    QVERIFY(!fields.isEmpty());
    for (QDoubleSpinBox *field : fields) {
        if (!field->isVisible() || !field->isEnabled())
            continue;
        field->setValue(field->value() + field->singleStep());
        QTest::qWait(20);
        QCOMPARE(area->verticalScrollBar()->value(), scrolled);
    }
}

void TestLayout::bandNamesLeaveTheSeedOut_data()
{
    QTest::addColumn<QString>("first");
    QTest::addColumn<QString>("band");
    QTest::newRow("sweep") << "s8-bn norm=batch seed=1" << "s8-bn norm=batch";
    QTest::newRow("gui") << "s8 GroupNorm, seed 2" << "s8 GroupNorm";
    QTest::newRow("middle") << "s9 seed=3 lr=0.05" << "s9 lr=0.05";
    QTest::newRow("no seed") << "my run" << "my run";
    QTest::newRow("only a seed") << "seed=4" << "seed=4";
    QTest::newRow("word") << "seedless 7" << "seedless 7";
}

// The band of runs 1 and 2 was named "s8-bn norm=batch seed=1 (2 seed(s), mean ± std)".
void TestLayout::bandNamesLeaveTheSeedOut()
{
    QFETCH(QString, first);
    QFETCH(QString, band);
    SeedGroup g;
    RunRecord a, b;
    a.name = first.toStdString();
    b.name = "other";
    g.members = {a, b};
    QCOMPARE(g.name(), band);
}

// Three columns of long run names were squeezed into the chart's width, each name cut off.
void TestLayout::legendColumnsFitTheirNames()
{
    QCustomPlot plot;
    for (const char *name : {"1 s8-bn norm=batch seed=1", "2 s8-bn norm=batch seed=2", "3 x"}) {
        QCPGraph *graph = plot.addGraph();
        graph->setName(name);
    }
    QCPLegend *legend = plot.legend;
    const int one = QFontMetrics(legend->font()).horizontalAdvance("1 s8-bn norm=batch seed=1");
    QCOMPARE(legendColumnsThatFit(legend, 3000, 3), 3);
    QCOMPARE(legendColumnsThatFit(legend, 2 * one + 120, 3), 2);
    QCOMPARE(legendColumnsThatFit(legend, one + 60, 3), 1);
    QCOMPARE(legendColumnsThatFit(legend, 10, 3), 1);
}

QTEST_MAIN(TestLayout)
#include "test_layout.moc"
