#include "seed_grouping.h"

#include "config_json.h"
#include "errors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <regex>

namespace normlab {

namespace {

// Of runs with one seed, the one to keep: the furthest trained, the newest of those.
bool preferred(const RunRecord &a, const RunRecord &b)
{
    return a.epochsDone != b.epochsDone ? a.epochsDone > b.epochsDone : a.id > b.id;
}

} // namespace

std::string nameWithoutSeed(const std::string &runName)
{
    // "s8-bn norm=batch seed=1" and "s8 GroupNorm, seed 2" name one member, not the group.
    static const std::regex seed(R"([,;]?\s*\bseed\s*[= ]\s*\d+\b)", std::regex::icase);
    std::string name = std::regex_replace(runName, seed, "");
    const auto first = name.find_first_not_of(" \t");
    const auto last = name.find_last_not_of(" \t");
    name = first == std::string::npos ? std::string() : name.substr(first, last - first + 1);
    return name.empty() ? runName : name;
}

std::string SeedGroup::name() const
{
    return members.empty() ? std::string() : nameWithoutSeed(members.front().name);
}

std::string experimentKey(const std::string &configJson)
{
    nlohmann::json config = nlohmann::json::parse(configJson, nullptr, false);
    if (!config.is_object())
        return {};
    // A run recorded before a field existed groups with one recorded with that field at its
    // default; a config this NormLab no longer reads, by its text as recorded.
    config = recordedConfigJson(config);
    config.erase("seed");
    config.erase("name");
    return config.dump();
}

SeedGrouping groupBySeed(const RunStore &store, const std::vector<std::int64_t> &runs)
{
    std::map<std::string, std::vector<RunRecord>> byConfig;
    for (const std::int64_t id : runs) {
        RunRecord r;
        try {
            r = store.run(id);
        } catch (const StoreError &) {
            continue; // deleted meanwhile; a store that cannot be read fails at its epochs below
        }
        std::string key = experimentKey(r.configJson);
        if (key.empty())
            continue;
        byConfig[std::move(key)].push_back(std::move(r));
    }
    SeedGrouping result;
    for (const auto &[key, sameConfig] : byConfig) {
        if (sameConfig.size() < 2)
            continue;
        std::map<std::uint64_t, std::vector<RunRecord>> bySeed;
        for (const RunRecord &r : sameConfig)
            bySeed[r.seed].push_back(r);
        SeedGroup g;
        g.key = key;
        for (auto &[seed, same] : bySeed) {
            std::sort(same.begin(), same.end(), preferred);
            g.members.push_back(same.front());
            g.repeats.insert(g.repeats.end(), same.begin() + 1, same.end());
        }
        if (g.members.size() < 2) {
            result.repeatsOnly.push_back(sameConfig);
            continue;
        }
        std::sort(g.members.begin(), g.members.end(),
                  [](const RunRecord &a, const RunRecord &b) { return a.id < b.id; });
        struct Values
        {
            std::vector<double> testLoss, testAccuracy, trainLoss, trainAccuracy;
        };
        std::map<int, Values> byEpoch;
        for (const RunRecord &r : g.members)
            for (const EpochMetrics &m : store.epochs(r.id)) {
                Values &v = byEpoch[m.epoch];
                v.testLoss.push_back(m.testLoss);
                v.testAccuracy.push_back(m.testAccuracy);
                v.trainLoss.push_back(m.trainLoss);
                v.trainAccuracy.push_back(m.trainAccuracy);
            }
        for (const auto &[epoch, v] : byEpoch) {
            g.epochs.push_back(epoch);
            for (const auto &[stats, values] : {std::pair {&g.testLoss, &v.testLoss},
                                                std::pair {&g.testAccuracy, &v.testAccuracy},
                                                std::pair {&g.trainLoss, &v.trainLoss},
                                                std::pair {&g.trainAccuracy, &v.trainAccuracy}}) {
                const MeanStd s = meanStd(*values);
                stats->mean.push_back(s.mean);
                stats->std.push_back(s.std);
            }
        }
        result.groups.push_back(std::move(g));
    }
    return result;
}

} // namespace normlab
