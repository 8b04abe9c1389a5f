#include "runs_commands.h"

#include "durations.h"
#include "process_stats.h"

#include "cli_app.h"
#include "errors.h"
#include "progress_printer.h"
#include "run_store.h"
#include "run_summary.h"
#include "runs_compare.h"
#include "runs_inside.h"
#include "text_table.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <ctime>
#include <iostream>
#include <map>
#include <set>
#include <unistd.h>

using nlohmann::json;

namespace normlab::cli {

std::int64_t parseRunId(const RunStore &store, const std::string &text);

namespace {

constexpr int kConfusedPairsShown = 5;

} // namespace

std::int64_t parseRunId(const RunStore &store, const std::string &text)
{
    if (text == "last") {
        const auto all = store.runs();
        if (all.empty())
            throw StoreError("the store " + store.dir() + " has no runs");
        return all.back().id;
    }
    std::size_t used = 0;
    long long id = 0;
    try {
        id = std::stoll(text, &used);
    } catch (const std::exception &) {
        used = 0;
    }
    if (used != text.size() || id <= 0)
        throw StoreError(
                "\"" + text +
                "\" is not a run id: give the number `normlab-cli runs list` shows, or last");
    return id;
}

namespace {

std::string localTime(double unixSeconds)
{
    if (unixSeconds <= 0)
        return "-";
    const auto t = static_cast<std::time_t>(unixSeconds);
    std::tm local {};
    localtime_r(&t, &local);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local);
    return text;
}

double durationOf(const RunRecord &r)
{
    return runWallSeconds(r.startedAt, r.endedAt, unixTime());
}

json runJson(const RunRecord &r)
{
    const RunConfigSummary s = summarizeConfig(r.configJson);
    return {{"id", r.id},
            {"name", r.name},
            {"status", toString(r.state)},
            {"message", r.message},
            {"preset", s.preset},
            {"preset_changes", s.presetChanges},
            {"norm", s.norm},
            {"augment", s.augment},
            {"params", r.parameterCount},
            {"epochs_done", r.epochsDone},
            {"epochs", s.epochs},
            {"best_test_accuracy", r.bestTestAccuracy},
            {"best_epoch", r.bestEpoch},
            {"last_test_accuracy", r.lastTestAccuracy},
            {"duration_s", durationOf(r)},
            {"training_s", r.trainingSeconds},
            {"tags", r.tags},
            {"note", r.note},
            {"sweep", r.sweep},
            {"created_at", r.createdAt}};
}

void printList(const std::vector<RunRecord> &runs, bool asJson)
{
    if (asJson) {
        for (const RunRecord &r : runs)
            std::printf("%s\n", runJson(r).dump().c_str());
        return;
    }
    if (runs.empty()) {
        std::printf("no runs\n");
        return;
    }
    TextTable table({"id", "name", "status", "preset", "norm", "augment", "params", "best", "last",
                     "epochs", "time", "tags"},
                    "rlllllrrrrrl");
    for (const RunRecord &r : runs) {
        const RunConfigSummary s = summarizeConfig(r.configJson);
        table.addRow({std::to_string(r.id), r.name, toString(r.state), s.presetLabel(), s.norm,
                      s.augment, r.parameterCount ? std::to_string(r.parameterCount) : "-",
                      r.epochsDone ? format("%.2f%% @%d", r.bestTestAccuracy, r.bestEpoch) : "-",
                      r.epochsDone ? percent(r.lastTestAccuracy) : "-",
                      format("%d/%d", r.epochsDone, s.epochs),
                      // Training time, as the window shows it: not the days a resumed run sat
                      // stopped.
                      r.startedAt > 0 ? formatDuration(r.trainingSeconds) : "-",
                      joined(r.tags, ",")});
    }
    table.print();
}

void printEpochTable(const std::vector<EpochMetrics> &epochs)
{
    TextTable table({"epoch", "train_loss", "train_acc", "test_loss", "test_acc", "lr", "seconds",
                     "img/s", "rss MB"},
                    "rrrrrrrrr");
    for (const EpochMetrics &m : epochs)
        table.addRow({format("%d%s", m.epoch, m.best ? "*" : ""), format("%.4f", m.trainLoss),
                      percent(m.trainAccuracy), format("%.4f", m.testLoss), percent(m.testAccuracy),
                      format("%.6f", m.lr), format("%.1f", m.seconds),
                      format("%.0f", m.trainImagesPerSecond),
                      format("%.0f", static_cast<double>(m.residentBytes) / 1e6)});
    table.print();
}

std::string className(const RunRecord &r, int index)
{
    return index >= 0 && index < static_cast<int>(r.classNames.size())
                   ? r.classNames[static_cast<std::size_t>(index)]
                   : std::to_string(index);
}

void printClassReport(const RunRecord &r, const EpochMetrics &m)
{
    const std::vector<ClassResult> results = classResults(m.confusion);
    if (results.empty())
        return;
    const auto classes = static_cast<int>(results.size());
    auto cell = [&](int t, int p) {
        return m.confusion[static_cast<std::size_t>(t * classes + p)];
    };
    std::printf("\nPer-class test accuracy, epoch %d:\n", m.epoch);
    TextTable perClass({"class", "accuracy", "correct", "images"}, "lrrr");
    for (int t = 0; t < classes; ++t) {
        const ClassResult &c = results[static_cast<std::size_t>(t)];
        perClass.addRow({className(r, t), c.images ? percent(c.accuracyPercent()) : "-",
                         std::to_string(c.correct), std::to_string(c.images)});
    }
    perClass.print();

    struct Pair
    {
        int trueClass, predicted, count;
    };
    std::vector<Pair> pairs;
    for (int t = 0; t < classes; ++t)
        for (int p = 0; p < classes; ++p)
            if (t != p && cell(t, p) > 0)
                pairs.push_back({t, p, cell(t, p)});
    std::sort(pairs.begin(), pairs.end(),
              [](const Pair &a, const Pair &b) { return a.count > b.count; });
    if (pairs.empty())
        return;
    std::printf("\nMost confused (true -> predicted), epoch %d:\n", m.epoch);
    TextTable confused({"true", "predicted", "images"}, "llr");
    for (std::size_t i = 0; i < pairs.size() && i < static_cast<std::size_t>(kConfusedPairsShown);
         ++i)
        confused.addRow({className(r, pairs[i].trueClass), className(r, pairs[i].predicted),
                         std::to_string(pairs[i].count)});
    confused.print();
}

void printShow(const RunStore &store, std::int64_t id, bool asJson)
{
    const RunRecord r = store.run(id);
    const std::vector<EpochMetrics> epochs = store.epochs(id, 0, true);
    if (asJson) {
        json j = runJson(r);
        j["config"] = json::parse(r.configJson, nullptr, false);
        if (!r.parallel.empty())
            j["parallel"] = json::parse(r.parallel, nullptr, false);
        if (!r.origin.empty())
            j["origin"] = r.origin;
        j["dataset"] = {{"kind", r.datasetKind},
                        {"path", r.datasetPath},
                        {"fingerprint", r.datasetFingerprint}};
        j["epochs_table"] = json::array();
        for (const EpochMetrics &m : epochs)
            j["epochs_table"].push_back({{"epoch", m.epoch},
                                         {"train_loss", m.trainLoss},
                                         {"train_acc", m.trainAccuracy},
                                         {"test_loss", m.testLoss},
                                         {"test_acc", m.testAccuracy},
                                         {"lr", m.lr},
                                         {"seconds", m.seconds},
                                         {"misclassified", m.misclassified.size()}});
        std::printf("%s\n", j.dump(2).c_str());
        return;
    }
    const RunConfigSummary s = summarizeConfig(r.configJson);
    std::printf("run %lld  \"%s\"\n", static_cast<long long>(r.id), r.name.c_str());
    std::printf("status     %s%s\n", toString(r.state).c_str(),
                r.message.empty() ? "" : (": " + r.message).c_str());
    std::printf("created    %s   started %s   ended %s   (%s)\n", localTime(r.createdAt).c_str(),
                localTime(r.startedAt).c_str(), localTime(r.endedAt).c_str(),
                formatDuration(durationOf(r)).c_str());
    std::printf("model      %s, norm %s, %lld parameters, on %s\n", s.arch.c_str(), s.norm.c_str(),
                static_cast<long long>(r.parameterCount),
                r.device.empty() ? "-" : r.device.c_str());
    if (const std::string ranks = describeRanks(r.parallel); !ranks.empty())
        std::printf("parallel   %s\n", ranks.c_str());
    if (s.preset != "custom")
        std::printf("preset     %s%s%s\n", s.preset.c_str(),
                    s.presetChanges.empty() ? "" : ", changed: ",
                    joined(s.presetChanges, "; ").c_str());
    std::printf("data       %s %s (fingerprint %s)\n",
                r.datasetKind.empty() ? s.data.c_str() : r.datasetKind.c_str(),
                r.datasetPath.c_str(),
                r.datasetFingerprint.empty() ? "-" : r.datasetFingerprint.c_str());
    std::printf("augment    %s   seed %llu\n", s.augment.c_str(),
                static_cast<unsigned long long>(r.seed));
    std::printf("normlab    %s (%s)\n", r.version.c_str(), r.gitCommit.c_str());
    std::printf("files      %s\n", store.checkpointDir(id).c_str());
    if (!r.sweep.empty())
        std::printf("sweep      %s\n", r.sweep.c_str());
    if (!r.origin.empty())
        std::printf("merged     from %s\n", describeOrigin(r.origin).c_str());
    if (!r.tags.empty())
        std::printf("tags       %s\n", joined(r.tags, ", ").c_str());
    if (!r.note.empty())
        std::printf("note       %s\n", r.note.c_str());
    for (const LrTestRecord &t : store.lrTests(id))
        std::printf("lr test    %lld: %d batches from %g to %g, %s\n", static_cast<long long>(t.id),
                    static_cast<int>(t.points.size()), t.startLr, t.endLr,
                    t.suggestedLr > 0 ? format("suggested %.3g", t.suggestedLr).c_str()
                                      : "no suggestion");
    if (r.epochsDone > 0)
        std::printf("result     best test accuracy %.2f%% at epoch %d, last %.2f%% after %d of %d "
                    "epochs\n",
                    r.bestTestAccuracy, r.bestEpoch, r.lastTestAccuracy, r.epochsDone, s.epochs);
    std::printf("\nConfig:\n");
    TextTable config({"key", "value"}, "ll");
    for (auto &[key, value] : flattenConfig(r.configJson))
        config.addRow({key, value});
    config.print();
    if (epochs.empty()) {
        std::printf("\nNo epoch recorded yet.\n");
        return;
    }
    std::printf("\nEpochs (* lowest test loss so far):\n");
    printEpochTable(epochs);
    printClassReport(r, epochs.back());
}

bool confirm(const std::string &question)
{
    std::printf("%s [y/N] ", question.c_str());
    std::fflush(stdout);
    // One bounded line: end of input, a line too long to be an answer, or bytes that never end a
    // line (< /dev/zero) are "no", never a wait or a growing buffer.
    constexpr std::size_t kMaxAnswer = 16;
    std::string answer;
    for (int c = std::fgetc(stdin); c != EOF && c != '\n'; c = std::fgetc(stdin)) {
        if (answer.size() == kMaxAnswer)
            return false;
        answer += static_cast<char>(c);
    }
    if (!answer.empty() && answer.back() == '\r')
        answer.pop_back();
    return answer == "y" || answer == "Y" || answer == "yes";
}

} // namespace

void RunsCommands::addTo(CLI::App &app)
{
    m_runs = app.add_subcommand(
            "runs", "List, show, compare, look inside, tag, annotate and delete recorded runs");
    m_runs->require_subcommand(1);
    m_store.addTo(*m_runs);
    m_runs->fallthrough();

    m_list = m_runs->add_subcommand("list", "A table of the recorded runs");
    m_list->add_option("--status", m_status,
                       "queued, running, finished, failed, stopped or interrupted");
    m_list->add_option("--tag", m_tagFilter, "Only runs with this tag");
    m_list->add_option("--search", m_search,
                       "Only runs whose name, note, tags or config contain this text");
    m_list->add_option("--sweep", m_sweep, "Only the runs of this sweep");
    m_list->add_flag("--json", m_json, "One JSON object per run");

    m_show = m_runs->add_subcommand(
            "show", "A run's config, per-epoch table, per-class accuracy and confusions");
    m_show->add_option("run", m_run, "Run id (or last)")->required();
    m_show->add_flag("--json", m_json, "JSON instead of text");

    m_compare = m_runs->add_subcommand(
            "compare", "Config differences and metrics of runs side by side, or a sweep's "
                       "normalizations (--sweep) as the Comparison tab shows them");
    m_compare->add_option("runs", m_ids, "Two or more run ids")->expected(0, 1000);
    m_compare->add_option("--sweep", m_compareSweep,
                          "A sweep's runs by normalization, mean ± std, per class");

    m_inside = m_runs->add_subcommand(
            "inside", "What a run's conv blocks did: a statistic per layer and epoch "
                      "(docs/inside.md), or with --epoch every statistic of one epoch");
    m_inside->add_option("run", m_run, "Run id (or last)")->required();
    m_inside->add_option("--stat", m_stat,
                         "input_mean, input_std, prenorm_mean, prenorm_std, output_mean, "
                         "output_std, dead_relu, grad_norm, weight_norm, update_ratio, "
                         "gamma_mean, gamma_std, beta_mean, beta_std, bn_mean_gap, bn_var_ratio")
            ->capture_default_str();
    m_inside->add_option("--epoch", m_epoch, "Every statistic of this epoch instead")
            ->check(CLI::PositiveNumber);
    m_inside->add_flag("--json", m_json, "JSON instead of text");

    m_tag = m_runs->add_subcommand("tag", "Add tags to a run (or remove them with --remove)");
    m_tag->add_option("run", m_run, "Run id (or last)")->required();
    m_tag->add_option("tags", m_tags, "Tags")->required();
    m_tag->add_flag("--remove", m_removeTags, "Remove the tags instead");

    m_note = m_runs->add_subcommand("note", "Set a run's note (an empty text clears it)");
    m_note->add_option("run", m_run, "Run id (or last)")->required();
    m_note->add_option("text", m_noteText, "The note")->required();

    m_delete = m_runs->add_subcommand("delete", "Delete runs, their records and checkpoints");
    m_delete->add_option("runs", m_ids, "Run ids")->required();
    m_delete->add_flag("--yes,-y", m_yes, "Do not ask");
}

bool RunsCommands::parsed() const
{
    return m_runs && m_runs->parsed();
}

int RunsCommands::run() const
{
    RunStore store(m_store.resolved(), m_store.forReading());
    std::vector<std::int64_t> ids;
    for (const std::string &text : m_ids)
        ids.push_back(parseRunId(store, text));
    if (!m_run.empty())
        ids.push_back(parseRunId(store, m_run));

    if (m_list->parsed()) {
        RunFilter filter;
        if (!m_status.empty()) {
            filter.state = runStateFromString(m_status);
            if (!filter.state)
                throw InputError(
                        "--status: '" + m_status +
                        "' is not one of queued, running, finished, failed, stopped, interrupted");
        }
        filter.tag = m_tagFilter;
        filter.text = m_search;
        filter.sweep = m_sweep;
        printList(store.runs(filter), m_json);
    } else if (m_show->parsed()) {
        printShow(store, ids.front(), m_json);
    } else if (m_compare->parsed()) {
        if (!m_compareSweep.empty() && ids.empty())
            printSweepComparison(store, m_compareSweep);
        else if (!m_compareSweep.empty() || ids.size() < 2)
            throw InputError("runs compare: give two or more run ids, or --sweep NAME");
        else
            printCompare(store, ids);
    } else if (m_inside->parsed()) {
        printLayerStats(store, ids.front(), m_stat,
                        m_epoch > 0 ? std::optional<int>(m_epoch) : std::nullopt, m_json);
    } else if (m_tag->parsed()) {
        if (m_removeTags)
            store.removeTags(ids.front(), m_tags);
        else
            store.addTags(ids.front(), m_tags);
        std::printf("run %lld tags: %s\n", static_cast<long long>(ids.front()),
                    joined(store.run(ids.front()).tags, ", ").c_str());
    } else if (m_note->parsed()) {
        store.setNote(ids.front(), m_noteText);
    } else if (m_delete->parsed()) {
        for (const std::int64_t id : ids) {
            const RunRecord r = store.run(id);
            const std::string what =
                    format("run %lld \"%s\" (%s, %d epochs)", static_cast<long long>(id),
                           r.name.c_str(), toString(r.state).c_str(), r.epochsDone);
            if (!m_yes && !confirm("Delete " + what + " and its checkpoints?")) {
                std::printf("kept %s\n", what.c_str());
                continue;
            }
            store.deleteRun(id);
            std::printf("deleted %s\n", what.c_str());
        }
    }
    return Success;
}

} // namespace normlab::cli
