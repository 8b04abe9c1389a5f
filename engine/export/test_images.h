// A recorded run's test images, for what draws its mistakes (the exports' grids, the reports):
// loaded once per dataset however many runs share it, and checked against the fingerprint the
// run recorded, so a grid never shows other images under a run's labels.
#pragma once

#include "dataset.h"
#include "run_store.h"

#include <memory>
#include <string>
#include <vector>

namespace normlab {

class TestImages
{
public:
    // Null, with a warning naming the run and the reason, when they cannot be had.
    const Dataset *forRun(const RunRecord &record, std::vector<std::string> &warnings);

private:
    std::string m_key;
    std::shared_ptr<DatasetPair> m_data;
    std::string m_error;
};

} // namespace normlab
