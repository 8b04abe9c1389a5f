#include "batch_loader.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <numeric>
#include <random>

namespace normlab {

BatchLoader::BatchLoader(const Dataset &dataset, Augmenter augmenter, NormalizeConfig normalize,
                         BatchLoaderOptions options)
    : m_dataset(dataset), m_augmenter(std::move(augmenter)), m_options(options)
{
    // (x / 255 - mean) / std  ==  x * scale + shift
    for (int c = 0; c < 3; ++c) {
        const double mean = normalize.enabled ? normalize.mean[c] : 0.0;
        const double std = normalize.enabled ? normalize.std[c] : 1.0;
        m_scale[c] = static_cast<float>(1.0 / (255.0 * std));
        m_shift[c] = static_cast<float>(-mean / std);
    }
    m_options.batchSize = std::max(1, m_options.batchSize);
    m_options.workers = std::max(1, m_options.workers);
    m_options.prefetch = std::max(1, m_options.prefetch);
    m_options.worldSize = std::max(1, m_options.worldSize);
    m_options.rank = std::clamp(m_options.rank, 0, m_options.worldSize - 1);
}

BatchLoader::~BatchLoader()
{
    stopWorkers();
}

std::pair<std::size_t, std::size_t> BatchLoader::shard() const
{
    const std::size_t n = m_dataset.size();
    const auto rank = static_cast<std::size_t>(m_options.rank);
    const auto world = static_cast<std::size_t>(m_options.worldSize);
    if (m_options.evenShards)
        return {rank * (n / world), (rank + 1) * (n / world)};
    return {rank * n / world, (rank + 1) * n / world};
}

std::size_t BatchLoader::imagesPerEpoch() const
{
    const auto [first, last] = shard();
    return last - first;
}

std::size_t BatchLoader::batchesPerEpoch() const
{
    const std::size_t n = imagesPerEpoch();
    const auto b = static_cast<std::size_t>(m_options.batchSize);
    return m_options.dropLast ? n / b : (n + b - 1) / b;
}

Batch BatchLoader::makeBatch(const std::vector<std::int64_t> &indices, int epoch) const
{
    const auto n = static_cast<std::int64_t>(indices.size());
    Batch batch;
    batch.indices = indices;
    auto memoryFormat =
            m_options.channelsLast ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
    batch.images = at::empty({n, 3, Dataset::kHeight, Dataset::kWidth},
                             at::TensorOptions().dtype(at::kFloat).memory_format(memoryFormat));
    batch.labels = at::empty({n}, at::TensorOptions().dtype(at::kLong));
    float *dst = batch.images.data_ptr<float>();
    std::int64_t *labels = batch.labels.data_ptr<std::int64_t>();
    constexpr int kPlane = Dataset::kHeight * Dataset::kWidth;
    std::uint8_t scratch[Dataset::kImageBytes];

    for (std::int64_t i = 0; i < n; ++i) {
        const auto index = static_cast<std::size_t>(indices[i]);
        const std::uint8_t *src = m_dataset.image(index);
        if (!m_augmenter.empty()) {
            std::copy_n(src, Dataset::kImageBytes, scratch);
            std::mt19937_64 rng = Augmenter::sampleGenerator(m_options.seed, epoch, index);
            m_augmenter.apply(scratch, rng);
            src = scratch;
        }
        labels[i] = m_dataset.labels[index];
        float *out = dst + i * static_cast<std::int64_t>(Dataset::kImageBytes);
        if (m_options.channelsLast) {
            for (int p = 0; p < kPlane; ++p)
                for (int c = 0; c < 3; ++c)
                    out[3 * p + c] = src[3 * p + c] * m_scale[c] + m_shift[c];
        } else {
            for (int c = 0; c < 3; ++c)
                for (int p = 0; p < kPlane; ++p)
                    out[c * kPlane + p] = src[3 * p + c] * m_scale[c] + m_shift[c];
        }
    }
    return batch;
}

void BatchLoader::startEpoch(int epoch)
{
    stopWorkers();
    m_order.resize(m_dataset.size());
    std::iota(m_order.begin(), m_order.end(), 0);
    if (m_options.shuffle) {
        std::mt19937_64 rng(m_options.seed * 0x2545F4914F6CDD1DULL +
                            static_cast<std::uint64_t>(epoch));
        std::shuffle(m_order.begin(), m_order.end(), rng);
    }
    const auto [first, last] = shard();
    m_order.erase(m_order.begin() + static_cast<std::ptrdiff_t>(last), m_order.end());
    m_order.erase(m_order.begin(), m_order.begin() + static_cast<std::ptrdiff_t>(first));
    {
        std::lock_guard lock(m_mutex);
        m_ready.clear();
        m_nextToTake = 0;
        m_stopping = false;
        m_error = nullptr;
    }
    for (int w = 0; w < m_options.workers; ++w)
        m_workers.emplace_back(&BatchLoader::workerLoop, this, w, epoch);
}

void BatchLoader::workerLoop(int worker, int epoch)
{
    const std::size_t total = batchesPerEpoch();
    const auto b = static_cast<std::size_t>(m_options.batchSize);
    for (std::size_t k = static_cast<std::size_t>(worker); k < total;
         k += static_cast<std::size_t>(m_options.workers)) {
        {
            std::unique_lock lock(m_mutex);
            m_changed.wait(lock, [&] {
                return m_stopping ||
                       k < m_nextToTake + static_cast<std::size_t>(m_options.prefetch);
            });
            if (m_stopping)
                return;
        }
        const std::size_t first = k * b;
        const std::size_t last = std::min(first + b, m_order.size());
        std::vector<std::int64_t> indices(m_order.begin() + static_cast<std::ptrdiff_t>(first),
                                          m_order.begin() + static_cast<std::ptrdiff_t>(last));
        try {
            Batch batch = makeBatch(indices, epoch);
            std::lock_guard lock(m_mutex);
            m_ready.emplace(k, std::move(batch));
        } catch (...) {
            std::lock_guard lock(m_mutex);
            if (!m_error)
                m_error = std::current_exception();
            m_changed.notify_all();
            return;
        }
        m_changed.notify_all();
    }
}

std::optional<Batch> BatchLoader::next()
{
    std::unique_lock lock(m_mutex);
    if (m_nextToTake >= batchesPerEpoch() || m_workers.empty())
        return std::nullopt;
    m_changed.wait(lock, [&] { return m_error || m_ready.count(m_nextToTake) > 0; });
    if (m_error)
        std::rethrow_exception(m_error);
    auto node = m_ready.extract(m_nextToTake);
    ++m_nextToTake;
    lock.unlock();
    m_changed.notify_all();
    return std::move(node.mapped());
}

void BatchLoader::stopWorkers()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_changed.notify_all();
    for (std::thread &t : m_workers)
        t.join();
    m_workers.clear();
}

} // namespace normlab
