#include "trained_model.h"

#include "batch_loader.h"
#include "checkpoint.h"
#include "errors.h"
#include "net.h"
#include "recorded_config.h"
#include "train_step.h"

#include <filesystem>
#include <numeric>

namespace normlab {

struct TrainedModel::Impl
{
    ExperimentConfig config;
    Net model {nullptr};
};

TrainedModel::TrainedModel(const RunStore &store, std::int64_t runId, Checkpoint which)
    : d(std::make_unique<Impl>())
{
    const RunRecord record = store.run(runId);
    d->config = recordedConfig(record);
    m_classNames = record.classNames;
    const std::string dir =
            record.artifactDir.empty() ? store.checkpointDir(runId) : record.artifactDir;
    m_path = (std::filesystem::path(dir) / (which == Checkpoint::Best ? "best.pt" : "last.pt"))
                     .string();
    if (!std::filesystem::exists(m_path))
        throw InputError("run " + std::to_string(runId) + " has no " +
                         (which == Checkpoint::Best ? "best" : "last") + " checkpoint (" +
                         m_path + "): it has not finished an epoch, or its files were removed");
    const auto classes = static_cast<int>(m_classNames.empty() ? 10 : m_classNames.size());
    try {
        d->model = Net(buildModelSpec(d->config.model, classes));
        if (trainsChannelsLast(d->config))
            d->model->toChannelsLast();
        m_epoch = loadCheckpointModel(m_path, d->model);
        d->model->eval();
    } catch (const c10::Error &e) {
        throw ComputeError(std::string("LibTorch error: ") + e.what_without_backtrace());
    }
}

TrainedModel::~TrainedModel() = default;

std::vector<std::vector<float>>
TrainedModel::predict(const std::vector<std::vector<std::uint8_t>> &images)
{
    if (images.empty())
        return {};
    // Through the trainer's own batch code, so the normalization is the one the run trained with.
    Dataset batchSet;
    batchSet.pixels.reserve(images.size() * Dataset::kImageBytes);
    for (const std::vector<std::uint8_t> &image : images) {
        if (image.size() != Dataset::kImageBytes)
            throw InputError("predict: an image is not 32x32 RGB");
        batchSet.pixels.insert(batchSet.pixels.end(), image.begin(), image.end());
    }
    batchSet.labels.assign(images.size(), 0);
    batchSet.classNames = m_classNames;
    BatchLoaderOptions options;
    options.shuffle = false;
    options.channelsLast = trainsChannelsLast(d->config);
    BatchLoader loader(batchSet, Augmenter(), d->config.normalize, options);
    std::vector<std::int64_t> indices(images.size());
    std::iota(indices.begin(), indices.end(), 0);
    try {
        torch::NoGradGuard noGrad;
        const torch::Tensor probabilities =
                d->model->forward(loader.makeBatch(indices, 0).images).exp().contiguous();
        std::vector<std::vector<float>> out(images.size());
        const float *p = probabilities.data_ptr<float>();
        const auto classes = probabilities.size(1);
        for (std::size_t i = 0; i < images.size(); ++i)
            out[i].assign(p + i * classes, p + (i + 1) * classes);
        return out;
    } catch (const c10::Error &e) {
        throw ComputeError(std::string("LibTorch error: ") + e.what_without_backtrace());
    }
}

} // namespace normlab
