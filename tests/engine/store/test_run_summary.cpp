// What the runs tables (GUI and `normlab-cli runs list`) say about a recorded config.

#include "config_json.h"
#include "presets.h"
#include "run_summary.h"

#include <nlohmann/json.hpp>

#include <QtTest>

using namespace normlab;

namespace {

// One key's value as `runs show` lists it and `runs compare` diffs it; empty when not listed.
std::string listedValue(const nlohmann::json &config, const std::string &key)
{
    for (const auto &[listed, value] : flattenConfig(config.dump()))
        if (listed == key)
            return value;
    return {};
}

} // namespace

class TestRunSummary : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // A run started from a preset and changed is named as such: the table said "s8-bn" for a
    // GroupNorm run started from s8-bn.
    void presetEdits_data()
    {
        QTest::addColumn<QString>("edit"); // a JSON merge patch over s8-bn's config
        QTest::addColumn<QString>("label");
        QTest::addColumn<QStringList>("changes");
        QTest::newRow("as the preset") << "{}"
                                       << "s8-bn" << QStringList {};
        QTest::newRow("another norm")
                << R"({"model": {"norm": "group"}})"
                << "s8-bn (edited)" << QStringList {R"(model.norm: "batch" -> "group")"};
        QTest::newRow("another lr and epochs")
                << R"({"optimizer": {"lr": 0.05}, "epochs": 3})"
                << "s8-bn (edited)"
                << QStringList {"epochs: 20 -> 3", "optimizer.lr: 0.01 -> 0.05"};
        // The augmentations are compared both ways: dropping Rotate is a change.
        QTest::newRow("one augmentation less")
                << R"({"augment": [{"type": "ColorJitter", "brightness": 0.1, "contrast": 0.1,
                       "saturation": 0.1, "hue": 0.1, "p": 1.0}]})"
                << "s8-bn (edited)"
                << QStringList {"augment[1].fill: [1.0] -> -", "augment[1].limit: 7.0 -> -",
                                "augment[1].p: 1.0 -> -", R"(augment[1].type: "Rotate" -> -)"};
        // Where the data come from and how the machine computes are not the experiment.
        QTest::newRow("other data, seed and threads")
                << R"({"data": {"source": "folder", "train_limit": 500}, "seed": 7,
                       "threads": 2, "name": "mine", "device": "cpu"})"
                << "s8-bn" << QStringList {};
    }
    void presetEdits()
    {
        QFETCH(QString, edit);
        QFETCH(QString, label);
        QFETCH(QStringList, changes);
        nlohmann::json config = toJson(presetConfig("s8-bn"));
        config.merge_patch(nlohmann::json::parse(edit.toStdString()));
        const RunConfigSummary s = summarizeConfig(config.dump());
        QCOMPARE(QString::fromStdString(s.presetLabel()), label);
        QStringList got;
        for (const std::string &c : s.presetChanges)
            got << QString::fromStdString(c);
        QCOMPARE(got, changes);
    }

    // A config recorded by an older NormLab lacks the keys added since: they take the defaults
    // the run had, a change only where today's preset has another value.
    void missingKeysTakeTheDefaultTheRunHad()
    {
        nlohmann::json config = toJson(presetConfig("s8-gn"));
        config.erase("label_smoothing");
        config["schedule"].erase("final_div_factor");
        QVERIFY(summarizeConfig(config.dump()).presetChanges.empty());
        // `tiny` gained test-time shifts after its first runs, which had none.
        nlohmann::json tiny = toJson(presetConfig("tiny"));
        tiny.erase("test_time_shift");
        const RunConfigSummary s = summarizeConfig(tiny.dump());
        QCOMPARE(s.presetChanges, std::vector<std::string> {"test_time_shift: 3 -> 0"});
        QCOMPARE(s.presetLabel(), std::string("tiny (edited)"));
        // `runs show` lists, and `runs compare` diffs, the key as the run had it.
        QCOMPARE(listedValue(tiny, "test_time_shift"), std::string("0"));
    }

    void customRunsAndUnreadableConfigs()
    {
        nlohmann::json config = toJson(presetConfig("s8-bn"));
        config.erase("preset");
        QCOMPARE(summarizeConfig(config.dump()).presetLabel(), std::string("custom"));
        config["preset"] = "a-preset-from-the-future";
        const RunConfigSummary s = summarizeConfig(config.dump());
        QCOMPARE(s.presetLabel(), std::string("a-preset-from-the-future"));
        QCOMPARE(summarizeConfig("not json").preset, std::string("?"));
        // A value this NormLab no longer accepts is still a change from the preset, shown as
        // recorded; it does not make the run look like the preset as it is.
        nlohmann::json gone = toJson(presetConfig("s8-bn"));
        gone["model"]["norm"] = "a-norm-from-the-past";
        const RunConfigSummary old = summarizeConfig(gone.dump());
        QCOMPARE(old.presetChanges,
                 std::vector<std::string> {R"(model.norm: "batch" -> "a-norm-from-the-past")"});
        QCOMPARE(old.presetLabel(), std::string("s8-bn (edited)"));
        QCOMPARE(listedValue(gone, "model.norm"), std::string("a-norm-from-the-past"));
    }

    // How a run was trained and where it came from, as `runs show` and the runs table's tooltip
    // say it; a record this NormLab cannot read says nothing rather than something wrong.
    void ranksInWords_data()
    {
        QTest::addColumn<QString>("parallel");
        QTest::addColumn<QString>("words");
        QTest::newRow("one process") << ""
                                     << "";
        QTest::newRow("two hosts, sync-bn")
                << R"({"world_size": 2, "hosts": ["node1", "node2"], "backend": "gloo",
                       "local_batch": 32, "global_batch": 64, "sync_bn": true})"
                << "2 data-parallel ranks (gloo; node1, node2), batch 32 per rank, 64 global, "
                   "synchronised BatchNorm";
        QTest::newRow("keys missing") << R"({"world_size": 4})"
                                      << "4 data-parallel ranks (?; ), batch ? per rank, ? global";
        QTest::newRow("not json") << "{world"
                                  << "";
        QTest::newRow("not an object") << "[2]"
                                       << "";
    }
    void ranksInWords()
    {
        QFETCH(QString, parallel);
        QFETCH(QString, words);
        QCOMPARE(QString::fromStdString(describeRanks(parallel.toStdString())), words);
    }

    void originInWords()
    {
        QCOMPARE(describeOrigin(""), std::string());
        QCOMPARE(describeOrigin("/shared/sweep/tasks/0#3"),
                 std::string("run 3 of /shared/sweep/tasks/0"));
        QCOMPARE(describeOrigin("/odd#name/store#12"), std::string("run 12 of /odd#name/store"));
    }
};

QTEST_MAIN(TestRunSummary)
#include "test_run_summary.moc"
