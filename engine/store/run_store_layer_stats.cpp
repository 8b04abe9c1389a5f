// Per-layer statistics in the store: one row per sample and block, its statistics a JSON object
// of name -> value (null where one does not apply), read back leniently: a damaged or unknown
// entry reads as NaN, never as a crash, and statistics added later need no migration.

#include "run_store.h"

#include "layer_stats_json.h"
#include "sqlite_db.h"

#include <nlohmann/json.hpp>

namespace normlab {

std::vector<LayerStatsSample> RunStore::layerStats(std::int64_t runId, bool probesOnly) const
{
    SqliteStatement q(*m_db, std::string(R"sql(
        SELECT epoch, step, layer, name, stats FROM layer_stats WHERE run_id = ?1)sql") +
                                     (probesOnly ? " AND step = -1" : "") +
                                     " ORDER BY epoch, step = -1, step, layer");
    q.bind(1, runId);
    std::vector<LayerStatsSample> samples;
    while (q.step()) {
        const int epoch = q.integer(0);
        const std::int64_t step = q.int64(1);
        if (samples.empty() || samples.back().epoch != epoch || samples.back().step != step)
            samples.push_back({epoch, step, {}});
        LayerStatsRow row = layerStatsRowFromJson(q.text(4));
        row.layer = q.integer(2);
        row.name = q.text(3);
        samples.back().layers.push_back(std::move(row));
    }
    return samples;
}

std::vector<LayerHistogram> RunStore::layerHistograms(std::int64_t runId) const
{
    SqliteStatement q(*m_db, R"sql(
        SELECT epoch, layer, lo, hi, counts FROM layer_histograms WHERE run_id = ?1
        ORDER BY epoch, layer)sql");
    q.bind(1, runId);
    std::vector<LayerHistogram> out;
    while (q.step()) {
        LayerHistogram h;
        h.epoch = q.integer(0);
        h.layer = q.integer(1);
        h.lo = q.real(2);
        h.hi = q.real(3);
        const nlohmann::json counts = nlohmann::json::parse(q.text(4), nullptr, false);
        if (counts.is_array())
            for (const nlohmann::json &c : counts)
                h.counts.push_back(c.is_number_integer() ? c.get<std::int64_t>() : 0);
        out.push_back(std::move(h));
    }
    return out;
}

} // namespace normlab
