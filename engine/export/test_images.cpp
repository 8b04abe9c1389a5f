#include "test_images.h"

#include "config_json.h"
#include "recorded_config.h"

#include <nlohmann/json.hpp>

namespace normlab {

const Dataset *TestImages::forRun(const RunRecord &record, std::vector<std::string> &warnings)
{
    const std::string prefix =
            "run " + std::to_string(record.id) + ": misclassified images left out: ";
    try {
        const ExperimentConfig config = recordedConfig(record);
        const std::string key = toJson(config).at("data").dump();
        if (key != m_key) {
            m_key = key;
            m_data.reset();
            m_error.clear();
            try {
                m_data = std::make_shared<DatasetPair>(loadDatasets(config.data));
            } catch (const std::exception &e) {
                m_error = e.what();
            }
        }
        if (!m_data) {
            warnings.push_back(prefix + m_error);
            return nullptr;
        }
        if (!record.datasetFingerprint.empty() &&
            record.datasetFingerprint != m_data->fingerprint) {
            warnings.push_back(prefix + "its dataset has changed since it ran (fingerprint " +
                               record.datasetFingerprint + ", now " + m_data->fingerprint + ")");
            return nullptr;
        }
        return &m_data->test;
    } catch (const std::exception &e) {
        warnings.push_back(prefix + e.what());
        return nullptr;
    }
}

} // namespace normlab
