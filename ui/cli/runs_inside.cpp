#include "runs_inside.h"

#include "errors.h"
#include "layer_stat_table.h"
#include "run_store.h"
#include "text_table.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>

using nlohmann::json;

namespace normlab::cli {

namespace {

std::string knownStats()
{
    std::string names;
    for (int i = 0; i < kLayerStatCount; ++i)
        names += (i ? ", " : "") + std::string(layerStatName(static_cast<LayerStat>(i)));
    return names;
}

LayerStat statNamed(const std::string &name)
{
    const std::optional<LayerStat> stat = layerStatFromName(name);
    if (!stat)
        throw InputError("--stat: '" + name + "' is not a statistic; one of " + knownStats());
    return *stat;
}

std::string cell(double value)
{
    return std::isfinite(value) ? format("%.4g", value) : std::string("-");
}

json jsonValue(double value)
{
    return std::isfinite(value) ? json(value) : json(nullptr);
}

std::string whereFrom(LayerStat stat)
{
    return layerStatFromTrainingSteps(stat)
                   ? "mean of the epoch's sampled training batches"
                   : "on the probe batch at the epoch's end, the net in eval mode";
}

void printOneStat(const std::vector<LayerStatsSample> &samples, LayerStat stat,
                  const RunRecord &run, bool asJson)
{
    const LayerStatTable table = layerStatTable(samples, stat);
    if (asJson) {
        json values = json::array();
        for (const auto &row : table.values) {
            json r = json::array();
            for (const double v : row)
                r.push_back(jsonValue(v));
            values.push_back(r);
        }
        std::cout << json {{"run", run.id},
                           {"stat", layerStatName(stat)},
                           {"layers", table.layers},
                           {"epochs", table.epochs},
                           {"values", values}}
                             .dump()
                  << "\n";
        return;
    }
    std::printf("run %lld \"%s\": %s, %s (%s)\n\n", static_cast<long long>(run.id),
                run.name.c_str(), std::string(layerStatName(stat)).c_str(),
                std::string(layerStatDescription(stat)).c_str(), whereFrom(stat).c_str());
    std::vector<std::string> header {"layer"};
    for (const int e : table.epochs)
        header.push_back("epoch " + std::to_string(e));
    TextTable out(header, "l" + std::string(table.epochs.size(), 'r'));
    for (std::size_t l = 0; l < table.layers.size(); ++l) {
        std::vector<std::string> row {table.layers[l]};
        for (const double v : table.values[l])
            row.push_back(cell(v));
        out.addRow(row);
    }
    out.print();
}

void printOneEpoch(const std::vector<LayerStatsSample> &samples, int epoch, const RunRecord &run,
                   bool asJson)
{
    std::vector<LayerStatTable> tables;
    for (int i = 0; i < kLayerStatCount; ++i)
        tables.push_back(layerStatTable(samples, static_cast<LayerStat>(i)));
    const std::vector<int> &epochs = tables.front().epochs;
    const auto at = std::find(epochs.begin(), epochs.end(), epoch);
    if (at == epochs.end())
        throw InputError("--epoch: run " + std::to_string(run.id) +
                         " has no per-layer statistics for epoch " + std::to_string(epoch));
    const auto column = static_cast<std::size_t>(at - epochs.begin());
    const std::vector<std::string> &layers = tables.front().layers;
    if (asJson) {
        json rows = json::array();
        for (std::size_t l = 0; l < layers.size(); ++l) {
            json stats = json::object();
            for (const LayerStatTable &t : tables)
                stats[std::string(layerStatName(t.stat))] = jsonValue(t.values[l][column]);
            rows.push_back({{"layer", l}, {"name", layers[l]}, {"stats", stats}});
        }
        std::cout << json {{"run", run.id}, {"epoch", epoch}, {"layers", rows}}.dump() << "\n";
        return;
    }
    std::printf(
            "run %lld \"%s\", epoch %d: every statistic per layer (grad_norm and "
            "update_ratio: mean of the epoch's training samples; the rest: the probe batch)\n\n",
            static_cast<long long>(run.id), run.name.c_str(), epoch);
    std::vector<std::string> header {"layer"};
    for (const LayerStatTable &t : tables)
        header.emplace_back(layerStatName(t.stat));
    TextTable out(header, "l" + std::string(tables.size(), 'r'));
    for (std::size_t l = 0; l < layers.size(); ++l) {
        std::vector<std::string> row {layers[l]};
        for (const LayerStatTable &t : tables)
            row.push_back(cell(t.values[l][column]));
        out.addRow(row);
    }
    out.print();
}

} // namespace

void printLayerStats(const RunStore &store, std::int64_t id, const std::string &stat,
                     std::optional<int> epoch, bool asJson)
{
    const LayerStat chosen = statNamed(stat); // a typo is an error even for a run without stats
    const RunRecord run = store.run(id);
    const std::vector<LayerStatsSample> samples = store.layerStats(id);
    if (samples.empty()) {
        if (asJson)
            std::cout << json {{"run", id}, {"layers", json::array()}}.dump() << "\n";
        else
            std::printf("run %lld has no per-layer statistics (runs record them since "
                        "NormLab's store schema 4)\n",
                        static_cast<long long>(id));
        return;
    }
    if (epoch)
        printOneEpoch(samples, *epoch, run, asJson);
    else
        printOneStat(samples, chosen, run, asJson);
}

} // namespace normlab::cli
