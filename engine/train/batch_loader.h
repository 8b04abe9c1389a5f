// Turns an in-memory Dataset into normalized float batches on background threads, a few batches
// ahead of the trainer, so training never waits for augmentation.
#pragma once

#include "augment.h"
#include "config.h"
#include "dataset.h"

#include <ATen/core/Tensor.h>

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace normlab {

struct Batch
{
    at::Tensor images; // float [N, 3, 32, 32], normalized; channels-last memory when asked for
    at::Tensor labels; // int64 [N]
    std::vector<std::int64_t> indices; // positions in the dataset
};

struct BatchLoaderOptions
{
    int batchSize = 32;
    bool shuffle = true;
    bool dropLast = false;
    bool channelsLast = false;
    int workers = 1;
    int prefetch = 4; // batches ready ahead of the consumer
    std::uint64_t seed = 1;
    // Data-parallel: this rank's shard of each epoch's order (shuffled the same on every rank).
    // `evenShards` (training): every rank the same number of images, n / worldSize, so every rank
    // takes the same number of steps; the few left over are a different few each epoch. Without
    // (evaluation): consecutive slices that together cover every image once.
    int rank = 0;
    int worldSize = 1;
    bool evenShards = true;
};

class BatchLoader
{
public:
    BatchLoader(const Dataset &dataset, Augmenter augmenter, NormalizeConfig normalize,
                BatchLoaderOptions options);
    ~BatchLoader();
    BatchLoader(const BatchLoader &) = delete;
    BatchLoader &operator=(const BatchLoader &) = delete;

    // Starts producing the batches of one epoch (shuffled from seed and epoch); stops any earlier
    // one.
    void startEpoch(int epoch);
    // The next batch in order, or nothing at the end of the epoch.
    std::optional<Batch> next();

    std::size_t batchesPerEpoch() const;
    // This rank's images per epoch (all of them in a single process).
    std::size_t imagesPerEpoch() const;

    // Builds one batch synchronously; the workers use this too.
    Batch makeBatch(const std::vector<std::int64_t> &indices, int epoch) const;

private:
    void stopWorkers();
    std::pair<std::size_t, std::size_t> shard() const; // [first, last) of the epoch's order
    void workerLoop(int worker, int epoch);

    const Dataset &m_dataset;
    Augmenter m_augmenter;
    float m_scale[3];
    float m_shift[3];
    BatchLoaderOptions m_options;

    std::vector<std::int64_t> m_order;
    std::vector<std::thread> m_workers;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::map<std::size_t, Batch> m_ready;
    std::size_t m_nextToTake = 0;
    bool m_stopping = false;
    std::exception_ptr m_error;
};

} // namespace normlab
