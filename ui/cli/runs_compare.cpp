#include "runs_compare.h"

#include "durations.h"
#include "errors.h"
#include "norm_comparison.h"
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

// Rows: the classes, then all of them; one column per entry of `columns` (the runs it averages);
// the best mean of each row marked with '*'.
void printClassTable(const std::vector<std::string> &classNames,
                     const std::vector<std::string> &columnNames,
                     const std::vector<std::vector<std::vector<double>>> &columns)
{
    const ClassTable table = classTable(classNames.size(), columns);
    if (table.cells.empty())
        return;
    std::vector<std::string> header {"class"};
    header.insert(header.end(), columnNames.begin(), columnNames.end());
    TextTable out(header, "l" + std::string(columnNames.size(), 'r'));
    for (std::size_t row = 0; row < table.cells.size(); ++row) {
        std::vector<std::string> cells {row < classNames.size() ? classNames[row] : "all classes"};
        for (std::size_t c = 0; c < columns.size(); ++c) {
            const std::vector<double> &values = table.cells[row][c].values;
            cells.push_back((values.empty() ? "-" : formatMeanStd(values, 1, "%")) +
                            (table.bestColumn[row] == static_cast<int>(c) ? "*" : " "));
        }
        out.addRow(cells);
    }
    out.print();
}

} // namespace

void printSweepComparison(const RunStore &store, const std::string &sweep)
{
    const SweepComparison comparison = compareSweep(store, sweep);
    if (comparison.groups.empty())
        throw InputError("--sweep: no run belongs to sweep '" + sweep +
                         "' (normlab-cli runs list --json shows each run's sweep)");
    int runs = 0;
    for (const NormGroup &g : comparison.groups)
        runs += g.runs;
    std::printf("Sweep %s: %d runs, by normalization (mean ± std over the finished runs):\n",
                sweep.c_str(), runs);
    TextTable summary({"norm", "finished", "best test acc", "best epoch", "last test acc", "params",
                       "training time"},
                      "lrrrrrr");
    std::vector<std::string> norms;
    std::vector<std::vector<std::vector<double>>> columns;
    for (const NormGroup &g : comparison.groups) {
        norms.push_back(g.norm);
        columns.push_back(g.classAccuracies);
        auto stat = [](const std::vector<double> &v, int decimals, const char *unit) {
            return v.empty() ? std::string("-") : formatMeanStd(v, decimals, unit);
        };
        std::string seconds = "-";
        if (!g.trainingSeconds.empty()) {
            const MeanStd t = meanStd(g.trainingSeconds);
            seconds = formatDuration(t.mean) +
                      (g.trainingSeconds.size() > 1 ? " ± " + formatDuration(t.std) : "");
        }
        summary.addRow({g.norm, format("%d/%d", g.finished, g.runs), stat(g.bestAccuracy, 2, "%"),
                        stat(g.bestEpoch, g.bestEpoch.size() > 1 ? 1 : 0, ""),
                        stat(g.lastAccuracy, 2, "%"),
                        g.parameterCount ? std::to_string(g.parameterCount) : "-", seconds});
    }
    summary.print();
    std::printf(
            "\nTest accuracy per class at each run's last epoch (mean ± std over the runs; * the "
            "best):\n");
    printClassTable(comparison.classNames, norms, columns);
}

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

    // Per class, for the runs on the first run's classes (a run on other classes has no row to go
    // in: its class 0 is not the first run's).
    std::vector<std::string> classNames, names;
    std::vector<std::vector<std::vector<double>>> columns;
    for (const RunRecord &r : runs) {
        if (classNames.empty())
            classNames = r.classNames;
        if (r.classNames != classNames || r.epochsDone == 0)
            continue;
        names.push_back(format("run %lld", static_cast<long long>(r.id)));
        columns.push_back({classAccuracies(store, r)});
    }
    if (!classNames.empty() && !columns.empty()) {
        std::printf("\nTest accuracy per class at the last epoch (* the best):\n");
        printClassTable(classNames, names, columns);
    }

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
