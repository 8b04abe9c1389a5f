// The experiment form: every preset maps to the engine's config and back exactly, the parameter
// count is shown, invalid combinations are explained, and the augmentation steps are edited.
#include "augment_editor.h"
#include "config_json.h"
#include "config_panel.h"
#include "model_summary_view.h"
#include "presets.h"

#include <nlohmann/json.hpp>

#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

using namespace normlab;
using namespace normlab::gui;

class TestConfigPanel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void formMapsToTheEngineConfig_data();
    void formMapsToTheEngineConfig();
    void invalidCombinationIsExplained();
    void augmentationStepsAreEdited();
    void folderIsChosenInADialog();
};

void TestConfigPanel::formMapsToTheEngineConfig_data()
{
    QTest::addColumn<QString>("preset");
    QTest::addColumn<int>("params");
    QTest::newRow("s8-bn") << "s8-bn" << 48552;
    QTest::newRow("s8-gn") << "s8-gn" << 48552;
    QTest::newRow("s8-ln") << "s8-ln" << 48072;
    QTest::newRow("s9") << "s9" << 167424;
}

void TestConfigPanel::formMapsToTheEngineConfig()
{
    QFETCH(QString, preset);
    QFETCH(int, params);
    ConfigPanel panel;
    const ExperimentConfig expected = presetConfig(preset.toStdString());
    panel.setConfig(expected);
    QVERIFY2(panel.valid(), qPrintable(panel.error()));
    const ExperimentConfig c = panel.config();
    QVERIFY(c.model.norm == expected.model.norm);
    QCOMPARE(c.model.affine, expected.model.affine);
    QCOMPARE(c.epochs, expected.epochs);
    QCOMPARE(c.optimizer.lr, expected.optimizer.lr);
    QCOMPARE(c.augment.size(), expected.augment.size());
    // Everything the form does not show passes through untouched: the whole recipe survives.
    QCOMPARE(QString::fromStdString(toJson(c).dump()),
             QString::fromStdString(toJson(expected).dump()));
    // The summary beside the form counts the parameters of the model the form describes.
    ModelSummaryView summary;
    summary.showModel(c.model);
    QVERIFY2(summary.totals().contains(QLocale().toString(params)), qPrintable(summary.totals()));
}

void TestConfigPanel::invalidCombinationIsExplained()
{
    ConfigPanel panel;
    QSignalSpy changed(&panel, &ConfigPanel::configChanged);
    ExperimentConfig c = presetConfig("s8-gn");
    c.model.groups = 4;
    panel.setConfig(c);
    QVERIFY(panel.valid());
    // The groups spin box is the one enabled for GroupNorm.
    QSpinBox *groups = nullptr;
    for (QSpinBox *s : panel.findChildren<QSpinBox *>())
        if (s->value() == 4 && s->isEnabled() && s->maximum() == 64)
            groups = s;
    QVERIFY(groups);
    groups->setValue(5);
    QVERIFY(!panel.valid());
    QVERIFY2(panel.error().contains("model.groups"), qPrintable(panel.error()));
    QCOMPARE(changed.last().at(0).toBool(), false);
    groups->setValue(8);
    QVERIFY(panel.valid());
    QCOMPARE(panel.config().model.groups, 8);
}

void TestConfigPanel::augmentationStepsAreEdited()
{
    ConfigPanel panel;
    panel.setConfig(presetConfig("s9")); // HorizontalFlip, ShiftScaleRotate, CoarseDropout
    AugmentEditor *editor = panel.augmentEditor();
    QCOMPARE(editor->stepCount(), 3);

    // Editing a parameter in the step's form reaches the config.
    editor->selectStep(1);
    QDoubleSpinBox *rotate = nullptr;
    for (QDoubleSpinBox *box : editor->findChildren<QDoubleSpinBox *>())
        if (box->maximum() == 180)
            rotate = box;
    QVERIFY(rotate);
    rotate->setValue(30);
    QCOMPARE(panel.config().augment[1].rotateLimit, 30.0);

    // Unticking keeps the step in the list but out of the config; ticking brings it back.
    editor->setStepEnabled(0, false);
    QCOMPARE(panel.config().augment.size(), std::size_t(2));
    QVERIFY(panel.config().augment[0].kind == AugmentStep::Kind::ShiftScaleRotate);
    editor->setStepEnabled(0, true);
    QCOMPARE(panel.config().augment.size(), std::size_t(3));

    // A fill that is not a list of numbers is explained and blocks training; mending it clears it.
    editor->selectStep(2);
    QLineEdit *fill = nullptr;
    for (QLineEdit *edit : editor->findChildren<QLineEdit *>())
        if (edit->toolTip().contains("0-255"))
            fill = edit;
    QVERIFY(fill);
    fill->setText("128, x");
    Q_EMIT fill->textEdited(fill->text());
    QVERIFY(!panel.valid());
    QVERIFY2(panel.error().contains("Fill"), qPrintable(panel.error()));
    // On the 0-255 scale, which the label shows: a torchvision-style 0-1 value above it is refused.
    fill->setText("0.5, 300");
    Q_EMIT fill->textEdited(fill->text());
    QVERIFY2(panel.error().contains("outside 0-255"), qPrintable(panel.error()));
    fill->setText("128, 64, 0");
    Q_EMIT fill->textEdited(fill->text());
    QVERIFY2(panel.valid(), qPrintable(panel.error()));
    QCOMPARE(panel.config().augment[2].fillValue, (std::vector<double> {128, 64, 0}));

    // Added steps get albumentations' defaults; the range checks are the engine's.
    editor->addStep(AugmentStep::Kind::RandomCrop);
    QCOMPARE(panel.config().augment.size(), std::size_t(4));
    QCOMPARE(panel.config().augment[3].padding, 4);
    ExperimentConfig bad = panel.config();
    bad.augment[2].minHoles = 9; // more than max_holes 1
    panel.setConfig(bad);
    QVERIFY2(panel.error().contains("max_holes"), qPrintable(panel.error()));
}

// "Folder…" promised a chooser and gave an empty path field.
void TestConfigPanel::folderIsChosenInADialog()
{
    QTemporaryDir folder;
    ConfigPanel panel;
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    auto *dataset = panel.findChildren<QComboBox *>().front();
    QCOMPARE(dataset->itemData(dataset->count() - 1).toString(), QString("folder"));
    dataset->setCurrentIndex(dataset->count() - 1);
    Q_EMIT dataset->activated(dataset->count() - 1);
    QFileDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = panel.findChild<QFileDialog *>()) != nullptr);
    QCOMPARE(dialog->fileMode(), QFileDialog::Directory);
    QVERIFY(dialog->isVisible());
    Q_EMIT dialog->fileSelected(folder.path());
    QCOMPARE(QString::fromStdString(panel.config().data.source), QDir::cleanPath(folder.path()));
    dialog->close();
}

QTEST_MAIN(TestConfigPanel)
#include "test_config_panel.moc"
