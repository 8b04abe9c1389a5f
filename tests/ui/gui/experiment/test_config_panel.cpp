// The experiment form: every preset maps to the engine's config and back exactly, the parameter
// count is shown, invalid combinations are explained, and the augmentation steps are edited.
#include "augment_editor.h"
#include "config_json.h"
#include "config_panel.h"
#include "errors.h"
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

#include <cmath>
#include <random>

using namespace normlab;
using namespace normlab::gui;

class TestConfigPanel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void formMapsToTheEngineConfig_data();
    void formMapsToTheEngineConfig();
    void invalidCombinationIsExplained();
    void everyValidConfigRoundTrips_data();
    void everyValidConfigRoundTrips();
    void generatedValidConfigsRoundTrip();
    void aPresetNoLongerKnownKeepsItsValues();
    void refusedConfigShowsTheEnginesMessage_data();
    void refusedConfigShowsTheEnginesMessage();
    void typedValuesAreTakenExactly();
    void adviceIsShownBesideTheForm();
    void augmentationStepsAreEdited();
    void networkFieldsEditTheStages();
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
    QTest::newRow("tiny") << "tiny" << 48256;
    QTest::newRow("fast") << "fast" << 215640;
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
    // The preset box says what the preset reaches: NormLab's measured number for every preset.
    auto *box = panel.findChild<QComboBox *>("preset");
    QVERIFY(box);
    QCOMPARE(box->currentData().toString(), preset);
    QVERIFY2(box->toolTip().contains("NormLab ") && box->toolTip().contains(" % on the JPEG copy"),
             qPrintable(box->toolTip()));
}

namespace {

QString jsonOf(const ExperimentConfig &c)
{
    return QString::fromStdString(toJson(c).dump());
}

} // namespace

// A config the engine accepts comes back from the form exactly: nothing clamped or rounded.
void TestConfigPanel::everyValidConfigRoundTrips_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("json"); // merged into the s8-bn preset
    QTest::newRow("seed 2^40") << "seed"
                               << R"({"seed": 1099511627776})";
    QTest::newRow("seed 2^64-1") << "seed"
                                 << R"({"seed": 18446744073709551615})";
    QTest::newRow("lr 3e-6") << "lr"
                             << R"({"optimizer": {"lr": 3e-06}})";
    QTest::newRow("lr 0.000125") << "lr"
                                 << R"({"optimizer": {"lr": 0.000125}})";
    QTest::newRow("lr 1e-9") << "lr"
                             << R"({"optimizer": {"lr": 1e-09}})";
    QTest::newRow("lr 0.123456789012345") << "lr"
                                          << R"({"optimizer": {"lr": 0.123456789012345}})";
    QTest::newRow("dropout 0.1234567") << "dropout"
                                       << R"({"model": {"dropout": 0.1234567}})";
    QTest::newRow("train limit 5,000,000") << "train_limit"
                                           << R"({"data": {"train_limit": 5000000}})";
    QTest::newRow("groups 8") << "groups"
                              << R"({"model": {"norm": "group", "groups": 8}})";
    QTest::newRow("weight decay 5e-4, not on norms")
            << "decay"
            << R"({"optimizer": {"weight_decay": 0.0005, "decay_norm_and_bias": false}})";
    QTest::newRow("label smoothing 0.1, test-time flip")
            << "smoothing"
            << R"({"label_smoothing": 0.1, "test_time_flip": true})";
    QTest::newRow("EMA 0.999") << "ema"
                               << R"({"ema_decay": 0.999})";
    QTest::newRow("cosine, warm-up 1.5")
            << "warmup"
            << R"({"schedule": {"type": "cosine", "warmup_epochs": 1.5}})";
    QTest::newRow("stages: inverted, SE, kernel 7")
            << "network"
            << R"({"model": {"arch": "stages", "block": "inverted", "widths": [16, 32],
                   "depths": [0, 3], "kernel": 7, "expansion": 4, "squeeze_excite": true}})";
    QTest::newRow("stages: Cutout") << "augment"
                                    << R"({"augment": [{"type": "Cutout", "length": 10}]})";
    QTest::newRow("epochs 10000, batch 65536, threads 256")
            << "epochs"
            << R"({"epochs": 10000, "batch_size": 65536, "threads": 256})";
}

void TestConfigPanel::everyValidConfigRoundTrips()
{
    QFETCH(QString, json);
    nlohmann::json merged = toJson(presetConfig("s8-bn"));
    merged.merge_patch(nlohmann::json::parse(json.toStdString()));
    const ExperimentConfig expected = configFromJson(merged);
    validate(expected);
    ConfigPanel panel;
    panel.setConfig(expected);
    QVERIFY2(panel.valid(), qPrintable(panel.error()));
    QCOMPARE(jsonOf(panel.config()), jsonOf(expected));
    // And again after the person touches an unrelated field.
    auto *epochs = panel.findChildren<QSpinBox *>().constFirst();
    epochs->setValue(epochs->value());
    QCOMPARE(jsonOf(panel.config()), jsonOf(expected));
}

// A form restored from an older NormLab may name a preset since renamed: the values stay, the
// name goes (the combo cannot show it, and the runs would be recorded under it).
void TestConfigPanel::aPresetNoLongerKnownKeepsItsValues()
{
    ExperimentConfig renamed = presetConfig("tiny");
    renamed.preset = "tiny-2025";
    ConfigPanel panel;
    panel.setConfig(renamed);
    QVERIFY2(panel.valid(), qPrintable(panel.error()));
    ExperimentConfig expected = renamed;
    expected.preset.clear();
    QCOMPARE(jsonOf(panel.config()), jsonOf(expected));
}

// Random configs across the engine's ranges (fixed seed); each one validate() accepts must come
// back exactly.
void TestConfigPanel::generatedValidConfigsRoundTrip()
{
    std::mt19937_64 rng(26);
    auto real = [&](double lo, double hi) {
        return std::uniform_real_distribution<double>(lo, hi)(rng);
    };
    auto whole = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    int checked = 0;
    for (int i = 0; i < 200; ++i) {
        ExperimentConfig c = presetConfig(i % 2 ? "s9" : "s8-bn");
        c.seed = rng();
        c.optimizer.lr = std::pow(10.0, real(-9, 1));
        c.model.dropout = real(0, 0.9);
        c.model.norm = static_cast<NormKind>(whole(0, 4));
        c.model.groups = 1 << whole(0, 3);
        c.model.affine = whole(0, 1);
        c.epochs = whole(1, 10000);
        c.batchSize = whole(1, 65536);
        c.threads = whole(0, 256);
        c.data.trainLimit = whole(0, 10'000'000);
        c.optimizer.kind = static_cast<OptimizerConfig::Kind>(whole(0, 2));
        c.schedule.kind = static_cast<ScheduleConfig::Kind>(whole(0, 4));
        c.schedule.warmupEpochs = whole(0, 1) ? real(0, 20) : 0.0;
        c.optimizer.weightDecay = whole(0, 1) ? real(0, 1) : 0.0;
        c.optimizer.decayNormAndBias = whole(0, 1);
        c.labelSmoothing = whole(0, 1) ? real(0, 0.99) : 0.0;
        c.testTimeFlip = whole(0, 1);
        c.testTimeShift = whole(0, 8);
        c.emaDecay = whole(0, 1) ? real(0, 0.999999) : 0.0;
        try {
            validate(c);
        } catch (const std::exception &) {
            continue;
        }
        ConfigPanel panel;
        panel.setConfig(c);
        QVERIFY2(panel.valid(), qPrintable(panel.error()));
        QCOMPARE(jsonOf(panel.config()), jsonOf(c));
        ++checked;
    }
    QVERIFY(checked > 150);
}

// A config the engine refuses is not quietly changed into one it accepts: the form says what the
// engine says, and the config stays as given.
void TestConfigPanel::refusedConfigShowsTheEnginesMessage_data()
{
    QTest::addColumn<QString>("field");
    QTest::newRow("epochs 20000") << "epochs";
    QTest::newRow("lr 20") << "optimizer.lr";
    QTest::newRow("groups 200") << "model.groups";
}

void TestConfigPanel::refusedConfigShowsTheEnginesMessage()
{
    QFETCH(QString, field);
    ExperimentConfig refused = presetConfig("s8-gn");
    if (field == "epochs")
        refused.epochs = 20000;
    else if (field == "optimizer.lr")
        refused.optimizer.lr = 20.0;
    else
        refused.model.groups = 200;
    QString engine;
    try {
        validate(refused);
    } catch (const ConfigError &e) {
        engine = QString::fromStdString(e.what());
    }
    QVERIFY2(engine.contains(field), qPrintable(engine));
    ConfigPanel panel;
    panel.setConfig(refused);
    QVERIFY(!panel.valid());
    QCOMPARE(panel.error(), engine);
    QCOMPARE(jsonOf(panel.config()), jsonOf(refused));
}

void TestConfigPanel::typedValuesAreTakenExactly()
{
    ConfigPanel panel;
    panel.setConfig(presetConfig("s8-bn"));
    auto *lr = panel.findChild<QLineEdit *>("learningRate");
    auto *seed = panel.findChild<QLineEdit *>("seed");
    QVERIFY(lr && seed);
    QCOMPARE(lr->text(), QString("0.01"));
    lr->clear();
    QTest::keyClicks(lr, "3e-6");
    QCOMPARE(panel.config().optimizer.lr, 3e-6);
    seed->clear();
    QTest::keyClicks(seed, "1099511627776");
    QCOMPARE(panel.config().seed, std::uint64_t(1) << 40);
    QVERIFY(panel.valid());
    lr->clear();
    QTest::keyClicks(lr, "0.01x");
    QVERIFY(!panel.valid());
    QVERIFY2(panel.error().contains("Learning rate"), qPrintable(panel.error()));
    lr->clear();
    QTest::keyClicks(lr, "0.01");

    // The warm-up is the cosine schedule's: enabled with it, and checked against the epochs.
    auto *warmup = panel.findChild<QLineEdit *>("warmupEpochs");
    QVERIFY(warmup && !warmup->isEnabled());
    auto *schedule = panel.findChildren<QComboBox *>().at(0);
    for (QComboBox *box : panel.findChildren<QComboBox *>())
        if (box->findText("cosine") >= 0)
            schedule = box;
    schedule->setCurrentIndex(schedule->findText("cosine"));
    QVERIFY(warmup->isEnabled());
    warmup->clear();
    QTest::keyClicks(warmup, "2.5");
    QCOMPARE(panel.config().schedule.warmupEpochs, 2.5);
    QVERIFY(panel.config().schedule.kind == ScheduleConfig::Kind::Cosine);
    QVERIFY2(panel.valid(), qPrintable(panel.error()));
    warmup->clear();
    QTest::keyClicks(warmup, "25");
    QVERIFY(!panel.valid()); // s8-bn trains 20 epochs
    QVERIFY2(panel.error().contains("warmup_epochs"), qPrintable(panel.error()));
}

void TestConfigPanel::adviceIsShownBesideTheForm()
{
    ConfigPanel panel;
    ExperimentConfig c = presetConfig("s8-bn");
    panel.setConfig(c);
    auto *advice = panel.findChild<QLabel *>("advice");
    QVERIFY(advice && advice->text().isEmpty());
    c.model.norm = NormKind::Instance;
    panel.setConfig(c);
    QVERIFY(panel.valid()); // advice, not an error: it can still be trained and compared
    QVERIFY2(advice->text().contains("InstanceNorm"), qPrintable(advice->text()));
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
    auto *groups = panel.findChild<QSpinBox *>("groups");
    QVERIFY(groups && groups->value() == 4 && groups->isEnabled());
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
void TestConfigPanel::networkFieldsEditTheStages()
{
    ConfigPanel panel;
    panel.setConfig(presetConfig("s8-bn"));
    auto *network = panel.findChild<QComboBox *>("network");
    auto *widths = panel.findChild<QLineEdit *>("widths");
    auto *depths = panel.findChild<QLineEdit *>("depths");
    auto *block = panel.findChild<QComboBox *>("block");
    QVERIFY(network && widths && depths && block);
    QVERIFY(!widths->isVisibleTo(&panel)); // s8 has no stages
    network->setCurrentIndex(network->findData(static_cast<int>(Architecture::Stages)));
    QVERIFY(widths->isVisibleTo(&panel));
    QVERIFY(panel.config().model.arch == Architecture::Stages);

    block->setCurrentIndex(block->findData(static_cast<int>(BlockKind::Residual)));
    // textEdited is what typing emits
    widths->setText("16, 32");
    widths->textEdited(widths->text());
    depths->setText("1 2");
    depths->textEdited(depths->text());
    QVERIFY2(panel.valid(), qPrintable(panel.error()));
    QCOMPARE(panel.config().model.widths, (std::vector<int> {16, 32}));
    QCOMPARE(panel.config().model.depths, (std::vector<int> {1, 2}));
    QVERIFY(panel.config().model.block == BlockKind::Residual);

    // A depth list that does not match the widths: the engine's message, naming the field.
    depths->setText("1");
    depths->textEdited(depths->text());
    QVERIFY(!panel.valid());
    QVERIFY2(panel.error().contains("'model.depths' has 1 values"), qPrintable(panel.error()));
    // Text that is no list of numbers: the form's own message, naming the field.
    widths->setText("16, wide");
    widths->textEdited(widths->text());
    QVERIFY(!panel.valid());
    QVERIFY2(panel.error().contains("Stage widths: '16, wide'"), qPrintable(panel.error()));
}

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
