#include "recorded_runs.h"

#include "config_json.h"
#include "run_writer.h"

#include <nlohmann/json.hpp>

namespace normlab::test {

std::int64_t recordRun(RunStore &store, const RecordedRun &run)
{
    const std::int64_t id = store.createRun(
            {run.name, toJson(run.config).dump(), run.config.seed, {}, run.sweep, {}});
    RunWriter writer(store, id);
    writer.started({"synthetic", "", "fp", {"a", "b"}, 48552, "cpu", run.parallel});
    for (const LayerStatsSample &s : run.layerStats)
        writer.addLayerStats(s);
    writer.addLayerHistograms(run.layerHistograms);
    for (const EpochMetrics &m : run.epochs)
        writer.addEpoch(m);
    writer.finish(run.end);
    return id;
}

std::int64_t recordRun(RunStore &store, std::uint64_t seed, const std::vector<double> &testLoss,
                       const ExperimentConfig &config)
{
    ExperimentConfig c = config;
    c.seed = seed;
    const std::int64_t id = store.createRun({"s8 BatchNorm", toJson(c).dump(), seed, {}, {}, {}});
    RunWriter writer(store, id);
    writer.started({"synthetic", "", "", {}, 48552, "cpu"});
    for (int e = 1; e <= static_cast<int>(testLoss.size()); ++e) {
        EpochMetrics m;
        m.epoch = e;
        m.trainLoss = testLoss[e - 1] + 0.1;
        m.trainAccuracy = 50 + e;
        m.testLoss = testLoss[e - 1];
        m.testAccuracy = 40 + 10 * e;
        m.wallTime = 1.7e9 + 60 * e;
        writer.addEpoch(m);
    }
    writer.finish(RunState::Finished);
    return id;
}

} // namespace normlab::test
