#include "run_summary.h"

#include "config_json.h"
#include "errors.h"
#include "presets.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <map>

using nlohmann::json;

namespace normlab {

namespace {

std::string stringAt(const json &j, const json::json_pointer &p, const std::string &fallback)
{
    return j.contains(p) && j.at(p).is_string() ? j.at(p).get<std::string>() : fallback;
}

void flatten(const json &j, const std::string &prefix,
             std::vector<std::pair<std::string, json>> &out)
{
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it)
            flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
    } else if (j.is_array() && !j.empty() && (j.front().is_object() || j.front().is_array())) {
        for (std::size_t i = 0; i < j.size(); ++i)
            flatten(j[i], prefix + "[" + std::to_string(i) + "]", out);
    } else {
        out.emplace_back(prefix, j);
    }
}

// Keys that say where and how a run was computed, not what was trained.
bool isSetting(const std::string &key)
{
    static const char *const kSettings[] = {"data.",         "device", "eval_batch_size",
                                            "memory_format", "name",   "preset",
                                            "seed",          "threads"};
    for (const char *setting : kSettings)
        if (key.rfind(setting, 0) == 0)
            return true;
    return false;
}

std::vector<std::string> changesFrom(const std::string &preset, const json &config)
{
    json reference;
    try {
        reference = toJson(presetConfig(preset));
    } catch (const InputError &) {
        return {}; // a preset this NormLab no longer has: nothing to compare with
    }
    // A key an older NormLab did not record reads as the default the run had: a change only
    // where today's preset differs from that default.
    const json recorded = recordedConfigJson(config);
    std::vector<std::pair<std::string, json>> ours, theirs;
    flatten(recorded, "", ours);
    flatten(reference, "", theirs);
    // Both ways: a removed augmentation is a change as much as an added one.
    std::map<std::string, std::pair<json, json>> leaves; // key -> (preset's, run's)
    for (const auto &[key, value] : theirs)
        leaves[key].first = value;
    for (const auto &[key, value] : ours)
        leaves[key].second = value;
    std::vector<std::string> changes;
    for (const auto &[key, values] : leaves) {
        const auto &[before, after] = values;
        if (isSetting(key) || before == after)
            continue;
        changes.push_back(key + ": " + (before.is_null() ? "-" : before.dump()) + " -> " +
                          (after.is_null() ? "-" : after.dump()));
    }
    return changes;
}

} // namespace

std::string RunConfigSummary::presetLabel() const
{
    return presetChanges.empty() ? preset : preset + " (edited)";
}

RunConfigSummary summarizeConfig(const std::string &configJson)
{
    RunConfigSummary s;
    const json j = json::parse(configJson, nullptr, false);
    if (!j.is_object()) {
        s.preset = s.arch = s.norm = s.augment = s.data = "?";
        return s;
    }
    s.preset = stringAt(j, "/preset"_json_pointer, "custom");
    if (s.preset.empty())
        s.preset = "custom";
    s.arch = stringAt(j, "/model/arch"_json_pointer, "s8");
    s.norm = stringAt(j, "/model/norm"_json_pointer, "batch");
    if (s.norm == "group" && j.contains("/model/groups"_json_pointer))
        s.norm += "(" + j.at("/model/groups"_json_pointer).dump() + ")";
    if ((s.norm == "layer" || s.norm == "instance") &&
        j.value("/model/affine"_json_pointer, true) == false)
        s.norm += "(no affine)";
    if (j.contains("augment") && j["augment"].is_array()) {
        for (const json &step : j["augment"])
            if (step.is_object())
                s.augment += (s.augment.empty() ? "" : "+") + step.value("type", std::string("?"));
    }
    if (s.augment.empty())
        s.augment = "none";
    s.data = stringAt(j, "/data/source"_json_pointer, "synthetic");
    s.epochs = j.value("epochs", 0);
    if (s.preset != "custom")
        s.presetChanges = changesFrom(s.preset, j);
    return s;
}

std::vector<std::pair<std::string, json>> configLeaves(const std::string &configJson)
{
    std::vector<std::pair<std::string, json>> out;
    const json j = json::parse(configJson, nullptr, false);
    if (j.is_discarded())
        return out;
    // As the run ran: a key its NormLab did not write yet appears with the default it had, so
    // that runs from before and after a key was added list and compare alike.
    flatten(recordedConfigJson(j), "", out);
    return out;
}

std::vector<std::pair<std::string, std::string>> flattenConfig(const std::string &configJson)
{
    std::vector<std::pair<std::string, std::string>> out;
    for (auto &[key, value] : configLeaves(configJson))
        out.emplace_back(key, value.is_string() ? value.get<std::string>() : value.dump());
    return out;
}

std::vector<ClassResult> classResults(const std::vector<int> &confusion)
{
    const auto n = static_cast<std::size_t>(std::lround(std::sqrt(double(confusion.size()))));
    if (n == 0 || n * n != confusion.size())
        return {};
    std::vector<ClassResult> out(n);
    for (std::size_t t = 0; t < n; ++t) {
        for (std::size_t p = 0; p < n; ++p)
            out[t].images += confusion[t * n + p];
        out[t].correct = confusion[t * n + t];
    }
    return out;
}

std::string describeRanks(const std::string &parallelJson)
{
    const json ranks = json::parse(parallelJson, nullptr, false);
    if (!ranks.is_object())
        return {};
    std::string hosts;
    for (const json &h : ranks.value("hosts", json::array()))
        hosts += (hosts.empty() ? "" : ", ") + (h.is_string() ? h.get<std::string>() : "?");
    const auto number = [&](const char *key) {
        const json &v = ranks.contains(key) ? ranks.at(key) : json();
        return v.is_number_integer() ? std::to_string(v.get<long long>()) : std::string("?");
    };
    const json &backend = ranks.contains("backend") ? ranks.at("backend") : json();
    const json &syncBn = ranks.contains("sync_bn") ? ranks.at("sync_bn") : json();
    return number("world_size") + " data-parallel ranks (" +
           (backend.is_string() ? backend.get<std::string>() : "?") + "; " + hosts + "), batch " +
           number("local_batch") + " per rank, " + number("global_batch") + " global" +
           (syncBn.is_boolean() && syncBn.get<bool>() ? ", synchronised BatchNorm" : "");
}

std::string describeOrigin(const std::string &origin)
{
    const std::size_t hash = origin.rfind('#');
    if (hash == std::string::npos)
        return origin;
    return "run " + origin.substr(hash + 1) + " of " + origin.substr(0, hash);
}

} // namespace normlab
