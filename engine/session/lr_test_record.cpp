#include "lr_test_record.h"

#include "config_json.h"

#include <nlohmann/json.hpp>

namespace normlab {

std::int64_t recordLrTest(RunStore &store, std::int64_t runId, const ExperimentConfig &config,
                          const LrRangeTestOptions &options, const LrRangeResult &result)
{
    LrTestRecord record;
    record.runId = runId;
    record.configJson = toJson(config).dump();
    record.startLr = options.startLr;
    record.endLr = options.endLr;
    record.iterations = options.iterations;
    record.points = result.points;
    record.diverged = result.diverged;
    record.suggestedLr = result.suggestedLr.value_or(0);
    record.rule = kLrSuggestionRule;
    return store.addLrTest(record);
}

} // namespace normlab
