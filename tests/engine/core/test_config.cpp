// Presets, the JSON schema and its error messages.
#include "config_json.h"
#include "errors.h"
#include "presets.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QTemporaryDir>

#include <QTest>
#include <fstream>

using namespace normlab;

class TestConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void presetsCarryTheReferenceRecipes();
    void jsonRoundTrip_data();
    void jsonRoundTrip();
    void partialFileOverridesPreset();
    void recordedConfigKeepsItsOwnDefaults();
    void badConfig_data();
    void badConfig();
    void fileErrorsNameTheFile();
    void duplicateKeysAndWholeFloats();
    void presetFilesMatchThePresets_data();
    void presetFilesMatchThePresets();
    void memoryFormatByNorm_data();
    void memoryFormatByNorm();
    void adviceNamesWhatCannotLearn_data();
    void adviceNamesWhatCannotLearn();
};

// InstanceNorm before the global average pool leaves the logits independent of the convolutions
// (tests/reference/test_pytorch_step found every conv gradient exactly zero): the config says so.
void TestConfig::adviceNamesWhatCannotLearn_data()
{
    QTest::addColumn<QString>("preset");
    QTest::addColumn<int>("norm");
    QTest::addColumn<QString>("model"); // merged into the preset's model
    QTest::addColumn<bool>("advised");
    for (const char *preset : {"s8-bn", "s9", "tiny"}) {
        QTest::addRow("%s instance", preset) << preset << int(NormKind::Instance) << "{}" << true;
        QTest::addRow("%s batch", preset) << preset << int(NormKind::Batch) << "{}" << false;
        QTest::addRow("%s layer", preset) << preset << int(NormKind::Layer) << "{}" << false;
    }
    // A bare 1x1 or a gate between the last norm and the pool lets the convolutions through.
    QTest::newRow("inverted blocks, instance")
            << "tiny" << int(NormKind::Instance) << R"({"block": "inverted"})" << false;
    QTest::newRow("squeeze-excite, instance")
            << "tiny" << int(NormKind::Instance) << R"({"squeeze_excite": true})" << false;
    QTest::newRow("inverted, but the last stage empty")
            << "tiny" << int(NormKind::Instance) << R"({"block": "inverted", "depths": [1, 2, 0]})"
            << true;
}

void TestConfig::adviceNamesWhatCannotLearn()
{
    QFETCH(QString, preset);
    QFETCH(int, norm);
    QFETCH(QString, model);
    QFETCH(bool, advised);
    nlohmann::json j = toJson(presetConfig(preset.toStdString()));
    j["model"].merge_patch(nlohmann::json::parse(model.toStdString()));
    ExperimentConfig c = configFromJson(j);
    c.model.norm = static_cast<NormKind>(norm);
    const std::vector<std::string> advice = adviceFor(c);
    QCOMPARE(!advice.empty(), advised);
    if (advised)
        QVERIFY(QString::fromStdString(advice.front()).startsWith("model.norm: InstanceNorm"));
}

void TestConfig::presetsCarryTheReferenceRecipes()
{
    const ExperimentConfig bn = presetConfig("s8-bn");
    QCOMPARE(bn.epochs, 20);
    QCOMPARE(bn.batchSize, 32);
    QCOMPARE(bn.optimizer.lr, 0.01);
    QCOMPARE(bn.optimizer.momentum, 0.9);
    QCOMPARE(bn.model.dropout, 0.05);
    QVERIFY(bn.schedule.kind == ScheduleConfig::Kind::Plateau);
    QCOMPARE(bn.schedule.factor, 0.8);
    QCOMPARE(bn.schedule.patience, 0);
    QCOMPARE(augmentSummary(bn), std::string("ColorJitter+Rotate"));
    QCOMPARE(presetConfig("s8-ln").model.affine, false);
    QCOMPARE(presetConfig("s8-gn").model.groups, 4);
    const ExperimentConfig s9 = presetConfig("s9");
    QCOMPARE(s9.epochs, 40);
    QCOMPARE(augmentSummary(s9), std::string("HorizontalFlip+ShiftScaleRotate+CoarseDropout"));
    QCOMPARE(s9.augment[2].maxHeight, 16);
    QCOMPARE(s9.normalize.std[2], 0.2616);
    QVERIFY_THROWS_EXCEPTION(ConfigError, presetConfig("s10"));
    // fast's 13 epochs take a lighter augmentation than tiny's 100: no Cutout, 2-pixel shifts.
    const ExperimentConfig fast = presetConfig("fast");
    QCOMPARE(fast.augment.size(), std::size_t(2));
    QVERIFY(fast.augment[0].kind == AugmentStep::Kind::RandomCrop);
    QCOMPARE(fast.augment[0].padding, 2);
    QVERIFY(fast.augment[1].kind == AugmentStep::Kind::HorizontalFlip);
    const ExperimentConfig tiny = presetConfig("tiny");
    QCOMPARE(tiny.augment.size(), std::size_t(3));
    QVERIFY(tiny.augment[2].kind == AugmentStep::Kind::Cutout);
    QCOMPARE(tiny.augment[0].padding, 4);
    // tiny looks at each test image ten ways (flipped, shifted by 3 pixels: +0.9 points); fast's
    // ten minutes have no room for it.
    QVERIFY(tiny.testTimeFlip);
    QCOMPARE(tiny.testTimeShift, 3);
    QCOMPARE(tiny.optimizer.weightDecay, 5e-4);
    QVERIFY(fast.testTimeFlip);
    QCOMPARE(fast.testTimeShift, 0);
    // Every preset was measured on the real data; the reference study's have a published number.
    for (const PresetInfo &p : presets()) {
        QVERIFY2(p.measuredAccuracy > 50 && p.measuredAccuracy < 100, p.name.c_str());
        const bool own = p.name == "tiny" || p.name == "fast";
        QCOMPARE(p.referenceAccuracy > 0, !own);
    }
    QCOMPARE(describeResults(presets().front()),
             std::string("published 80.66 % on the original CIFAR-10; NormLab 76.95 % on the "
                         "JPEG copy"));
    QCOMPARE(describeResults({"x", "", 0.0, 87.04}),
             std::string("NormLab 87.04 % on the JPEG copy"));
    QCOMPARE(describeResults({"x", "", 0.0, 0.0}), std::string());
}

void TestConfig::jsonRoundTrip_data()
{
    QTest::addColumn<QString>("preset");
    for (const PresetInfo &p : presets())
        QTest::newRow(p.name.c_str()) << QString::fromStdString(p.name);
}

void TestConfig::jsonRoundTrip()
{
    QFETCH(QString, preset);
    ExperimentConfig c = presetConfig(preset.toStdString());
    c.seed = 1234;
    c.optimizer.kind = OptimizerConfig::Kind::AdamW;
    c.schedule.kind = ScheduleConfig::Kind::Cosine;
    c.schedule.warmupEpochs = 1.5;
    c.schedule.minLr = 1e-5;
    const nlohmann::json j = toJson(c);
    const ExperimentConfig back = configFromJson(j);
    QCOMPARE(toJson(back).dump(), j.dump());
}

void TestConfig::partialFileOverridesPreset()
{
    const ExperimentConfig c = configFromJson(nlohmann::json::parse(
            R"({"preset": "s9", "epochs": 3, "model": {"norm": "group", "groups": 8}})"));
    QVERIFY(c.model.arch == Architecture::S9);
    QCOMPARE(c.epochs, 3);
    QVERIFY(c.model.norm == NormKind::Group);
    QCOMPARE(c.model.groups, 8);
    QCOMPARE(c.augment.size(), std::size_t(3)); // the rest of the preset stays
}

void TestConfig::recordedConfigKeepsItsOwnDefaults()
{
    // A `tiny` run recorded before test-time shifts existed ran without them, though today's
    // preset has three: read as a record, the missing key is the default, not the preset's.
    const ExperimentConfig today = presetConfig("tiny");
    QVERIFY(today.testTimeShift > 0);
    nlohmann::json older = toJson(today);
    older.erase("test_time_shift");
    const ExperimentConfig read = recordedConfigFromJson(older);
    QCOMPARE(read.testTimeShift, ExperimentConfig {}.testTimeShift);
    QCOMPARE(read.preset, std::string("tiny"));
    QCOMPARE(read.epochs, today.epochs); // the keys it has are its own
    QCOMPARE(configFromJson(older).testTimeShift, today.testTimeShift); // a file's partial config
    // A preset since renamed is still a name, and the rest reads.
    nlohmann::json renamed = toJson(today);
    renamed["preset"] = "tiny-2025";
    QCOMPARE(recordedConfigFromJson(renamed).preset, std::string("tiny-2025"));
    QVERIFY_THROWS_EXCEPTION(ConfigError, configFromJson(renamed));
    // Whole configs round-trip as configFromJson's do.
    QCOMPARE(toJson(recordedConfigFromJson(toJson(today))).dump(), toJson(today).dump());
    // As JSON for the views: whole, with the run's default; a record no longer read, unchanged.
    QCOMPARE(recordedConfigJson(older).at("test_time_shift").get<int>(),
             ExperimentConfig {}.testTimeShift);
    nlohmann::json unreadable = older;
    unreadable["model"]["norm"] = "a-norm-from-the-past";
    QVERIFY(recordedConfigJson(unreadable) == unreadable);
}

void TestConfig::badConfig_data()
{
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown top-level key") << R"({"epoch": 3})"
                                           << "unknown key 'epoch'; allowed here: preset, name";
    QTest::newRow("unknown nested key") << R"({"model": {"normalization": "batch"}})"
                                        << "unknown key 'model.normalization'";
    QTest::newRow("bad enum")
            << R"({"model": {"norm": "weight"}})"
            << "'model.norm' is 'weight', allowed: batch, group, layer, instance, none";
    QTest::newRow("out of range") << R"({"batch_size": 0})"
                                  << "'batch_size' is 0, allowed 1 to 65536";
    QTest::newRow("wrong type") << R"({"epochs": "ten"})"
                                << "'epochs' has the wrong type (string), expected an integer";
    QTest::newRow("groups not a divisor") << R"({"model": {"norm": "group", "groups": 5}})"
                                          << "'model.groups' is 5";
    QTest::newRow("augment p") << R"({"augment": [{"type": "HorizontalFlip", "p": 1.5}]})"
                               << "'augment[0] (HorizontalFlip).p' is 1.5, allowed 0 to 1";
    QTest::newRow("augment type") << R"({"augment": [{"type": "Blur"}]})"
                                  << "'augment[0].type' is 'Blur'";
    QTest::newRow("augment key") << R"({"augment": [{"type": "Rotate", "angle": 5}]})"
                                 << "unknown key 'augment[0].angle'";
    QTest::newRow("unknown preset") << R"({"preset": "resnet"})"
                                    << "unknown preset 'resnet'; allowed: s8-bn, s8-gn, s8-ln, s9";
    QTest::newRow("normalize length") << R"({"normalize": {"mean": [0.5]}})"
                                      << "need 3 values";
    QTest::newRow("device") << R"({"device": "tpu"})"
                            << "'device' is 'tpu', allowed: auto, cpu, cuda";
    QTest::newRow("not an object") << R"([1, 2])"
                                   << "must be an object";
    // nlohmann's conversions wrapped, truncated and flipped these without a word.
    QTest::newRow("epochs past int") << R"({"epochs": 4294967297})"
                                     << "'epochs' is 4294967297, outside -2147483648 to 2147483647";
    QTest::newRow("epochs fraction") << R"({"epochs": 1.5})"
                                     << "'epochs' is 1.5; it must be a whole number";
    QTest::newRow("batch past int") << R"({"batch_size": 4294967328})"
                                    << "'batch_size' is 4294967328, outside";
    QTest::newRow("threads 2^32") << R"({"threads": 4294967296})"
                                  << "'threads' is 4294967296";
    QTest::newRow("negative seed") << R"({"seed": -1})"
                                   << "'seed' is -1; it cannot be negative";
    QTest::newRow("seed past 2^64") << R"({"seed": 1.8446744073709552e19})"
                                    << "'seed' is 1.8446744073709552e+19, outside";
    QTest::newRow("nested int") << R"({"augment": [{"type": "RandomCrop", "padding": 1e10}]})"
                                << "'augment[0].padding' is 10000000000.0, outside";
    QTest::newRow("warm-up past the end")
            << R"({"epochs": 5, "schedule": {"type": "cosine", "warmup_epochs": 5}})"
            << "'schedule.warmup_epochs' is 5: the warm-up must end before the last epoch";
    QTest::newRow("cosine minimum above the rate")
            << R"({"optimizer": {"lr": 0.01}, "schedule": {"type": "cosine", "min_lr": 0.1}})"
            << "'schedule.min_lr' (0.1) must be below 'optimizer.lr' (0.01)";
    QTest::newRow("negative warm-up") << R"({"schedule": {"warmup_epochs": -1}})"
                                      << "'schedule.warmup_epochs' is -1, allowed 0 to 10000";
    QTest::newRow("stages without widths") << R"({"model": {"arch": "stages", "widths": []}})"
                                           << "'model.widths' has 0 values; allowed: 1 to 6";
    QTest::newRow("a depth per stage")
            << R"({"model": {"arch": "stages", "widths": [8, 16], "depths": [1]}})"
            << "'model.depths' has 1 values but 'model.widths' has 2";
    QTest::newRow("even kernel") << R"({"model": {"arch": "stages", "kernel": 4}})"
                                 << "'model.kernel' is 4; allowed: an odd size";
    QTest::newRow("fractional width") << R"({"model": {"arch": "stages", "widths": [8, 1.5]}})"
                                      << "'model.widths[1]' is 1.5; it must be a whole number";
    QTest::newRow("widths not a list") << R"({"model": {"widths": 8}})"
                                       << "'model.widths' has the wrong type (number)";
    QTest::newRow("expansion") << R"({"model": {"arch": "stages", "expansion": 9}})"
                               << "'model.expansion' is 9, allowed 1 to 8";
    QTest::newRow("block") << R"({"model": {"block": "dense"}})"
                           << "'model.block' is 'dense', allowed: plain, residual, separable, "
                              "inverted";
    QTest::newRow("groups against stage widths")
            << R"({"model": {"arch": "stages", "widths": [12, 24], "depths": [1, 1],
                   "block": "separable", "norm": "group", "groups": 8}})"
            << "a stages layer has 12 channels; allowed: a divisor of every layer width (1, 2, 3, "
               "4, 6, 12)";
    QTest::newRow("cutout length") << R"({"augment": [{"type": "Cutout", "length": 40}]})"
                                   << "'augment[0] (Cutout).length' is 40, allowed 1 to 32";
    QTest::newRow("test-time shift") << R"({"test_time_shift": 9})"
                                     << "'test_time_shift' is 9, allowed 0 to 8";
    QTest::newRow("test-time shift fraction") << R"({"test_time_shift": 2.5})"
                                              << "'test_time_shift' is 2.5; it must be a whole";
    QTest::newRow("number past double") << R"({"model": {"groups": 1e999}})"
                                        << "test.json: a number is too large to read";
}

void TestConfig::badConfig()
{
    QFETCH(QString, json);
    QFETCH(QString, message);
    try {
        configFromJson(parseConfigText(json.toStdString(), "test.json"));
        QFAIL("accepted a bad config");
    } catch (const ConfigError &e) {
        QVERIFY2(QString(e.what()).contains(message), e.what());
    }
}

void TestConfig::fileErrorsNameTheFile()
{
    QTemporaryDir tmp;
    const std::string path = (tmp.path() + "/broken.json").toStdString();
    {
        std::ofstream out(path);
        out << "{\"epochs\": 3,";
    }
    try {
        loadConfigFile(path);
        QFAIL("accepted broken JSON");
    } catch (const ConfigError &e) {
        QVERIFY2(QString(e.what()).contains("broken.json: not valid JSON"), e.what());
    }
    saveConfigFile(presetConfig("s9"), path);
    QVERIFY(loadConfigFile(path).model.arch == Architecture::S9);
    QVERIFY_THROWS_EXCEPTION(ConfigError, loadConfigFile(path + ".missing"));

    // A folder given as the config: named, not "internal error: basic_filebuf".
    try {
        loadConfigFile(tmp.path().toStdString());
        QFAIL("read a folder as a config");
    } catch (const ConfigError &e) {
        QVERIFY2(QString(e.what()).contains("is a folder, not a config file"), e.what());
    }
    // Saving onto a folder: a message, and no temporary file beside it.
    QVERIFY_THROWS_EXCEPTION(InputError,
                             saveConfigFile(presetConfig("s9"), tmp.path().toStdString()));
    QCOMPARE(QDir(tmp.path()).entryList(QDir::Files), QStringList {"broken.json"});
}

void TestConfig::duplicateKeysAndWholeFloats()
{
    try {
        parseConfigText(R"({"epochs": 20, "model": {"norm": "batch", "norm": "group"}})", "x.json");
        QFAIL("accepted a duplicate key");
    } catch (const ConfigError &e) {
        QVERIFY2(QString(e.what()).contains("x.json: the key 'norm' appears twice"), e.what());
    }
    // The same key in two objects is no duplicate.
    const nlohmann::json two = parseConfigText(
            R"({"augment": [{"type": "Rotate", "p": 1}, {"type": "RandomCrop", "p": 1}]})", "y");
    QCOMPARE(configFromJson(two).augment.size(), std::size_t(2));
    // 20.0, as other tools write whole numbers, is 20.
    QCOMPARE(configFromJson(parseConfigText(R"({"epochs": 20.0})", "z")).epochs, 20);
}

void TestConfig::presetFilesMatchThePresets_data()
{
    QTest::addColumn<QString>("preset");
    for (const PresetInfo &p : presets())
        QTest::newRow(p.name.c_str()) << QString::fromStdString(p.name);
}

void TestConfig::presetFilesMatchThePresets()
{
    // resources/configs/ is what users copy and edit; regenerate with `normlab-cli config PRESET
    // --out FILE`.
    QFETCH(QString, preset);
    const std::string path = std::string(NORMLAB_SOURCE_DIR) + "/resources/configs/" +
                             preset.toStdString() + ".json";
    const ExperimentConfig fromFile = loadConfigFile(path);
    QCOMPARE(toJson(fromFile).dump(2), toJson(presetConfig(preset.toStdString())).dump(2));
}

void TestConfig::memoryFormatByNorm_data()
{
    QTest::addColumn<QString>("preset");
    QTest::addColumn<int>("norm"); // -1: the preset's own
    QTest::addColumn<bool>("affine");
    QTest::addColumn<QString>("format");
    QTest::addColumn<bool>("channelsLast");

    // Auto: channels-last wherever the fused block takes the norm.
    QTest::newRow("s8-bn auto") << "s8-bn" << -1 << true << "auto" << true;
    QTest::newRow("s8-gn auto") << "s8-gn" << -1 << true << "auto" << true;
    QTest::newRow("s8-ln auto") << "s8-ln" << -1 << false << "auto" << true;
    QTest::newRow("s9 auto") << "s9" << -1 << true << "auto" << true;
    QTest::newRow("instance auto") << "s8-bn" << int(NormKind::Instance) << true << "auto" << true;
    QTest::newRow("layer affine auto")
            << "s8-ln" << int(NormKind::Layer) << true << "auto" << false;
    QTest::newRow("no norm auto") << "s8-bn" << int(NormKind::None) << true << "auto" << false;
    // An explicit choice wins.
    QTest::newRow("s8-bn nchw") << "s8-bn" << -1 << true << "nchw" << false;
    QTest::newRow("layer affine channels_last")
            << "s8-ln" << int(NormKind::Layer) << true << "channels_last" << true;
}

void TestConfig::memoryFormatByNorm()
{
    QFETCH(QString, preset);
    QFETCH(int, norm);
    QFETCH(bool, affine);
    QFETCH(QString, format);
    QFETCH(bool, channelsLast);
    ExperimentConfig c = presetConfig(preset.toStdString());
    if (norm >= 0)
        c.model.norm = static_cast<NormKind>(norm);
    c.model.affine = affine;
    c.memoryFormat = format.toStdString();
    QCOMPARE(usesChannelsLast(c), channelsLast);
}

QTEST_GUILESS_MAIN(TestConfig)
#include "test_config.moc"
