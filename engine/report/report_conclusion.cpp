#include "report_conclusion.h"

#include "durations.h"
#include "seed_grouping.h"
#include "statistics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace normlab {

namespace {

std::string seeds(std::size_t n)
{
    return n == 1 ? "one seed" : std::to_string(n) + " seeds";
}

// "77.11 %" or "76.95 % ± 0.23 over 2 seeds".
std::string accuracyText(const std::vector<double> &values)
{
    const MeanStd s = meanStd(values);
    if (values.size() < 2)
        return formatFixed(s.mean, 2) + " %";
    return formatFixed(s.mean, 2) + " % ± " + formatFixed(s.std, 2) + " over " + seeds(values.size());
}

std::string joinedAnd(const std::vector<std::string> &parts)
{
    std::string text;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0)
            text += i + 1 == parts.size() ? " and " : ", ";
        text += parts[i];
    }
    return text;
}

} // namespace

std::string normTitle(const std::string &norm)
{
    const std::string base = norm.substr(0, norm.find('('));
    const std::string detail =
            norm.find('(') == std::string::npos
                    ? std::string()
                    : norm.substr(norm.find('(') + 1, norm.size() - norm.find('(') - 2);
    static const std::map<std::string, std::string> kNames {
            {"batch", "BatchNorm"}, {"group", "GroupNorm"},           {"layer", "LayerNorm"},
            {"instance", "InstanceNorm"}, {"none", "no normalization"}};
    const auto known = kNames.find(base);
    const std::string name = known == kNames.end() ? norm : known->second;
    if (detail.empty() || known == kNames.end())
        return name;
    if (base == "group")
        return name + " (" + detail + " groups)";
    return name + " (" + detail + ")";
}

std::vector<ReportGroup> groupReportRuns(const std::vector<ReportRun> &runs)
{
    std::vector<ReportGroup> groups;
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        std::string key = experimentKey(runs[i].record.configJson);
        if (key.empty()) // unreadable: a group of its own
            key = "#" + std::to_string(runs[i].record.id);
        const auto found = std::find(keys.begin(), keys.end(), key);
        if (found == keys.end()) {
            keys.push_back(key);
            groups.emplace_back();
            groups.back().parameterCount = runs[i].record.parameterCount;
        }
        ReportGroup &g = groups[static_cast<std::size_t>(
                std::find(keys.begin(), keys.end(), key) - keys.begin())];
        g.runs.push_back(i);
        if (runs[i].record.epochsDone > 0) {
            g.bestAccuracy.push_back(runs[i].record.bestTestAccuracy);
            g.lastAccuracy.push_back(runs[i].record.lastTestAccuracy);
        }
    }
    // Named by normalization when each group has its own; else by name, made unique.
    std::set<std::string> norms;
    for (const ReportGroup &g : groups)
        norms.insert(runs[g.runs.front()].summary.norm);
    const bool byNorm = norms.size() == groups.size();
    std::map<std::string, int> used;
    for (ReportGroup &g : groups) {
        const ReportRun &first = runs[g.runs.front()];
        g.label = byNorm ? normTitle(first.summary.norm) : nameWithoutSeed(first.record.name);
        if (!byNorm && used[g.label]++ > 0)
            g.label += " (#" + std::to_string(first.record.id) + ")";
    }
    return groups;
}

std::string reportConclusion(const std::vector<ReportGroup> &groups,
                             const std::vector<ReportRun> &runs)
{
    std::vector<const ReportGroup *> ranked;
    for (const ReportGroup &g : groups)
        if (!g.bestAccuracy.empty())
            ranked.push_back(&g);
    if (ranked.empty())
        return "No run has finished an epoch yet, so there is nothing to conclude.";
    std::stable_sort(ranked.begin(), ranked.end(), [](const ReportGroup *a, const ReportGroup *b) {
        return meanStd(a->bestAccuracy).mean > meanStd(b->bestAccuracy).mean;
    });
    const ReportGroup &winner = *ranked.front();
    const MeanStd w = meanStd(winner.bestAccuracy);
    std::string text;
    if (ranked.size() == 1) {
        text = winner.label + " reached " + accuracyText(winner.bestAccuracy) +
               " best test accuracy.";
    } else {
        std::vector<std::string> gaps;
        for (std::size_t i = 1; i < ranked.size(); ++i)
            gaps.push_back(formatFixed(w.mean - meanStd(ranked[i]->bestAccuracy).mean, 2) +
                           " points above " + ranked[i]->label + " at " +
                           accuracyText(ranked[i]->bestAccuracy));
        text = winner.label + " won with " + accuracyText(winner.bestAccuracy) +
               " best test accuracy, " + joinedAnd(gaps) + ".";
        // Against the runner-up: is the gap larger than the noise of the seeds?
        const ReportGroup &second = *ranked[1];
        const std::size_t n1 = winner.bestAccuracy.size(), n2 = second.bestAccuracy.size();
        if (n1 >= 2 && n2 >= 2) {
            const MeanStd s = meanStd(second.bestAccuracy);
            const double standardError =
                    std::sqrt(w.std * w.std / static_cast<double>(n1) +
                              s.std * s.std / static_cast<double>(n2));
            const double gap = w.mean - s.mean;
            text += gap > 2 * standardError
                            ? " The lead over " + second.label + " is more than twice its standard " +
                                      "error (" + formatFixed(standardError, 2) +
                                      " points), so the seeds do not explain it."
                            : " The lead over " + second.label + " is within twice its standard " +
                                      "error (" + formatFixed(standardError, 2) +
                                      " points): more seeds are needed to call it.";
        } else {
            text += " With a single run on one side, take gaps under a point or two with care: "
                    "on CIFAR-10 the seed alone moves test accuracy that much.";
        }
        std::set<std::int64_t> params;
        for (const ReportGroup *g : ranked)
            params.insert(g->parameterCount);
        if (params.size() > 1) {
            std::vector<std::string> counts;
            for (const ReportGroup *g : ranked)
                counts.push_back(g->label + " " + formatCount(g->parameterCount));
            text += " The models differ in size (parameters: " + joinedAnd(counts) + ").";
        }
    }
    std::vector<std::string> unfinished;
    for (const ReportRun &r : runs)
        if (r.record.state != RunState::Finished)
            unfinished.push_back("#" + std::to_string(r.record.id) + " (" +
                                 toString(r.record.state) + " after " +
                                 std::to_string(r.record.epochsDone) + " of " +
                                 std::to_string(r.plannedEpochs) + " epochs)");
    if (!unfinished.empty())
        text += " Not finished: " + joinedAnd(unfinished) +
                (unfinished.size() == 1 ? "; its numbers are what it reached."
                                        : "; their numbers are what they reached.");
    return text;
}

} // namespace normlab
