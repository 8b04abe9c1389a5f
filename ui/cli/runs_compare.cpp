#include "runs_compare.h"

#include "durations.h"
#include "run_summary.h"
#include "seed_grouping.h"
#include "text_table.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>

namespace normlab::cli {

namespace {

// Runs among `ids` that differ only by seed, as mean ± std over their seeds (the statistics the
// Comparison tab shows).
void printSeedGroups(const RunStore &store, const std::vector<std::int64_t> &ids)
{
    const SeedGrouping grouping = groupBySeed(store, ids);
    if (grouping.groups.empty())
        return;
    std::printf("\nSeed groups (runs that differ only by seed; mean ± std over the seeds):\n");
    TextTable table(
            {"group", "runs", "seeds", "best test acc", "last test acc", "lowest test loss"},
            "llrrrr");
    for (const SeedGroup &g : grouping.groups) {
        std::vector<double> best, last, lowest;
        std::vector<std::string> members;
        for (const RunRecord &r : g.members) {
            members.push_back(std::to_string(r.id));
            if (r.epochsDone == 0)
                continue;
            best.push_back(r.bestTestAccuracy);
            last.push_back(r.lastTestAccuracy);
            double low = 0;
            for (const EpochMetrics &m : store.epochs(r.id))
                if (low == 0 || m.testLoss < low)
                    low = m.testLoss;
            lowest.push_back(low);
        }
        table.addRow({g.name(), joined(members, ","), std::to_string(g.seedCount()),
                      formatMeanStd(best, 2, "%"), formatMeanStd(last, 2, "%"),
                      formatMeanStd(lowest, 4)});
    }
    table.print();
}

} // namespace

void printCompare(const RunStore &store, const std::vector<std::int64_t> &ids)
{
    std::vector<RunRecord> runs;
    std::vector<std::vector<EpochMetrics>> epochs;
    for (const std::int64_t id : ids) {
        runs.push_back(store.run(id));
        epochs.push_back(store.epochs(id));
    }
    std::vector<std::string> header {""};
    for (const RunRecord &r : runs)
        header.push_back(format("run %lld", static_cast<long long>(r.id)));

    std::printf("Runs:\n");
    TextTable summary(header, "l" + std::string(runs.size(), 'r'));
    auto row = [&](const std::string &label, auto cellOf) {
        std::vector<std::string> cells {label};
        for (std::size_t i = 0; i < runs.size(); ++i)
            cells.push_back(cellOf(i));
        summary.addRow(cells);
    };
    row("name", [&](std::size_t i) { return runs[i].name; });
    row("status", [&](std::size_t i) { return toString(runs[i].state); });
    row("params", [&](std::size_t i) { return std::to_string(runs[i].parameterCount); });
    row("best test acc", [&](std::size_t i) {
        return runs[i].epochsDone
                       ? format("%.2f%% @%d", runs[i].bestTestAccuracy, runs[i].bestEpoch)
                       : "-";
    });
    row("last test acc", [&](std::size_t i) {
        return runs[i].epochsDone ? percent(runs[i].lastTestAccuracy) : "-";
    });
    row("lowest test loss", [&](std::size_t i) {
        double best = 0;
        for (const EpochMetrics &m : epochs[i])
            if (best == 0 || m.testLoss < best)
                best = m.testLoss;
        return best > 0 ? format("%.4f", best) : "-";
    });
    row("epochs", [&](std::size_t i) { return std::to_string(runs[i].epochsDone); });
    row("training time", [&](std::size_t i) { return formatDuration(runs[i].trainingSeconds); });
    summary.print();

    // Config keys whose values differ between the runs.
    std::vector<std::map<std::string, std::string>> configs;
    std::set<std::string> keys;
    for (const RunRecord &r : runs) {
        std::map<std::string, std::string> flat;
        for (auto &[key, value] : flattenConfig(r.configJson)) {
            keys.insert(key);
            flat[key] = value;
        }
        configs.push_back(std::move(flat));
    }
    TextTable diff(header, std::string(runs.size() + 1, 'l'));
    for (const std::string &key : keys) {
        std::vector<std::string> cells {key};
        bool differs = false;
        for (const auto &c : configs) {
            const auto it = c.find(key);
            cells.push_back(it == c.end() ? "-" : it->second);
            differs = differs || cells.back() != cells[1];
        }
        if (differs && key != "name")
            diff.addRow(cells);
    }
    printSeedGroups(store, ids);

    std::printf("\nConfig differences:\n");
    if (diff.empty())
        std::printf("none: the configs are identical\n");
    else
        diff.print();

    std::printf("\nTest accuracy by epoch:\n");
    std::size_t maxEpochs = 0;
    for (const auto &e : epochs)
        maxEpochs = std::max(maxEpochs, e.size());
    TextTable byEpoch(
            [&] {
                std::vector<std::string> h {"epoch"};
                for (std::size_t i = 1; i < header.size(); ++i)
                    h.push_back(header[i]);
                return h;
            }(),
            std::string(runs.size() + 1, 'r'));
    for (std::size_t e = 0; e < maxEpochs; ++e) {
        std::vector<std::string> cells {std::to_string(e + 1)};
        for (const auto &list : epochs) {
            const auto it = std::find_if(list.begin(), list.end(), [&](const EpochMetrics &m) {
                return m.epoch == static_cast<int>(e + 1);
            });
            cells.push_back(it == list.end() ? "-" : percent(it->testAccuracy));
        }
        byEpoch.addRow(cells);
    }
    byEpoch.print();
}

} // namespace normlab::cli
