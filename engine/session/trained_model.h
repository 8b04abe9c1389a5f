// A recorded run's trained network, for inference: built from the run's config, its weights from
// the run's best or last checkpoint, in eval mode. Images go in as 32x32 RGB bytes and come out as
// class probabilities (softmax of the network's log-probabilities).
#pragma once

#include "run_store.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace normlab {

class TrainedModel
{
public:
    enum class Checkpoint { Best, Last };

    // Throws StoreError for an unknown run, InputError when it has no such checkpoint.
    TrainedModel(const RunStore &store, std::int64_t runId, Checkpoint which = Checkpoint::Best);
    ~TrainedModel();
    TrainedModel(const TrainedModel &) = delete;
    TrainedModel &operator=(const TrainedModel &) = delete;

    const std::vector<std::string> &classNames() const { return m_classNames; }
    int epoch() const { return m_epoch; } // epochs the checkpoint had completed
    const std::string &checkpointPath() const { return m_path; }

    // Per image (Dataset::kImageBytes RGB bytes each), the probability of each class.
    std::vector<std::vector<float>> predict(const std::vector<std::vector<std::uint8_t>> &images);

private:
    struct Impl;
    std::unique_ptr<Impl> d;
    std::vector<std::string> m_classNames;
    std::string m_path;
    int m_epoch = 0;
};

} // namespace normlab
