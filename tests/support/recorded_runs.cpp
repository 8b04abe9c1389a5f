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
    writer.started({"synthetic", "", "fp", {"a", "b"}, 48552, "cpu"});
    for (const EpochMetrics &m : run.epochs)
        writer.addEpoch(m);
    writer.finish(run.end);
    return id;
}

} // namespace normlab::test
