#include "run_test_data.h"

#include "errors.h"
#include "recorded_config.h"
#include "run_store.h"

namespace normlab::cli {

DatasetPair loadRunTestData(const RunRecord &record, const std::string &source)
{
    DataConfig config = recordedConfig(record).data;
    if (!source.empty()) {
        config.source = source;
        return loadDatasets(config);
    }
    try {
        return loadDatasets(config);
    } catch (const DataError &e) {
        throw DataError("run " + std::to_string(record.id) + "'s recorded data \"" +
                        config.source + "\" cannot be read (" + e.what() +
                        "); give its folder with --data");
    }
}

bool isRecordedData(const RunRecord &record, const DatasetPair &data)
{
    return !record.datasetFingerprint.empty() && data.fingerprint == record.datasetFingerprint;
}

} // namespace normlab::cli
