#include "trained_model.h"

#include "batch_loader.h"
#include "checkpoint.h"
#include "errors.h"
#include "libtorch_error.h"
#include "net.h"
#include "recorded_config.h"
#include "test_views.h"
#include "train_step.h"
#include "trainer.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iterator>
#include <numeric>

namespace normlab {

namespace {

// LibTorch may start with one intra-op thread (which made evaluation 2.5 times slower on two
// cores): this machine's cores, or OMP_NUM_THREADS, since the run may have trained elsewhere.
void useThisMachinesCores()
{
    Trainer::applyThreadCount(0);
}

// `images` in slices of at most `size`, each through `each`, the results in order: a folder of
// thousands of images (times the test-time views) would not fit in memory as one batch.
template<typename Result, typename Each>
std::vector<Result> inSlices(const std::vector<std::vector<std::uint8_t>> &images, int size,
                             Each each)
{
    const auto slice = static_cast<std::size_t>(std::max(1, size));
    std::vector<Result> out;
    out.reserve(images.size());
    for (std::size_t begin = 0; begin < images.size(); begin += slice) {
        const std::size_t end = std::min(images.size(), begin + slice);
        std::vector<Result> part = each(begin, end);
        std::move(part.begin(), part.end(), std::back_inserter(out));
    }
    return out;
}

} // namespace

struct TrainedModel::Impl
{
    ExperimentConfig config;
    Net model {nullptr};
    std::vector<std::string> classNames;

    // The images as one normalized batch, laid out as the run trained, through the trainer's own
    // batch code (the normalization is the one the run trained with).
    torch::Tensor batch(const std::vector<std::vector<std::uint8_t>> &images) const
    {
        Dataset batchSet;
        batchSet.pixels.reserve(images.size() * Dataset::kImageBytes);
        for (const std::vector<std::uint8_t> &image : images) {
            if (image.size() != Dataset::kImageBytes)
                throw InputError("an image is not 32x32 RGB");
            batchSet.pixels.insert(batchSet.pixels.end(), image.begin(), image.end());
        }
        batchSet.labels.assign(images.size(), 0);
        batchSet.classNames = classNames;
        BatchLoaderOptions options;
        options.shuffle = false;
        options.channelsLast = trainsChannelsLast(config);
        BatchLoader loader(batchSet, Augmenter(), config.normalize, options);
        std::vector<std::int64_t> indices(images.size());
        std::iota(indices.begin(), indices.end(), 0);
        return loader.makeBatch(indices, 0).images;
    }
};

TrainedModel::TrainedModel(const RunStore &store, std::int64_t runId, Checkpoint which)
    : d(std::make_unique<Impl>())
{
    const RunRecord record = store.run(runId);
    d->config = recordedConfig(record);
    m_classNames = record.classNames;
    d->classNames = m_classNames;
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
        std::error_code error; // a file gone meanwhile fails the load below, which names it
        m_writtenAt = std::filesystem::last_write_time(m_path, error);
        m_epoch = loadCheckpointModel(m_path, d->model);
        d->model->eval();
    } catch (const c10::Error &e) {
        throw computeError(e);
    }
}

TrainedModel::~TrainedModel() = default;

std::vector<std::vector<float>>
TrainedModel::predict(const std::vector<std::vector<std::uint8_t>> &images)
{
    useThisMachinesCores();
    // In the run's evaluation batches, as its evaluations measured.
    return inSlices<std::vector<float>>(
            images, d->config.evalBatchSize, [&](std::size_t begin, std::size_t end) {
                const std::vector<std::vector<std::uint8_t>> slice(
                        images.begin() + static_cast<std::ptrdiff_t>(begin),
                        images.begin() + static_cast<std::ptrdiff_t>(end));
                try {
                    torch::NoGradGuard noGrad;
                    const torch::Tensor probabilities =
                            viewAveragedLogProbs(d->model, d->batch(slice), testViewsFor(d->config))
                                    .exp()
                                    .contiguous();
                    std::vector<std::vector<float>> out(slice.size());
                    const float *p = probabilities.data_ptr<float>();
                    const auto classes = probabilities.size(1);
                    for (std::size_t i = 0; i < slice.size(); ++i)
                        out[i].assign(p + i * classes, p + (i + 1) * classes);
                    return out;
                } catch (const c10::Error &e) {
                    throw computeError(e);
                }
            });
}

bool TrainedModel::testTimeFlip() const
{
    return d->config.testTimeFlip;
}

int TrainedModel::testTimeShift() const
{
    return d->config.testTimeShift;
}

TestScore TrainedModel::evaluate(const Dataset &test, bool flip, int shift)
{
    const auto classes = static_cast<int>(m_classNames.empty() ? 10 : m_classNames.size());
    if (test.numClasses() != classes)
        throw InputError("the test set has " + std::to_string(test.numClasses()) +
                         " classes, the run was trained on " + std::to_string(classes));
    ExperimentConfig viewed = d->config;
    viewed.testTimeFlip = flip;
    viewed.testTimeShift = shift;
    validate(viewed); // the shift's range
    const TestViews views = testViewsFor(viewed);
    useThisMachinesCores();
    TestScore score;
    score.views = views.count();
    const auto start = std::chrono::steady_clock::now();
    try {
        torch::NoGradGuard noGrad;
        BatchLoaderOptions options;
        options.batchSize = d->config.evalBatchSize;
        options.shuffle = false;
        options.prefetch = 2;
        options.evenShards = false;
        options.channelsLast = trainsChannelsLast(d->config);
        BatchLoader loader(test, Augmenter(), d->config.normalize, options);
        loader.startEpoch(0);
        double lossSum = 0;
        std::int64_t correct = 0;
        while (std::optional<Batch> batch = loader.next()) {
            const torch::Tensor out = viewAveragedLogProbs(d->model, batch->images, views);
            lossSum += torch::nll_loss(out, batch->labels, {}, at::Reduction::Sum).item<double>();
            correct += out.argmax(1).eq(batch->labels).sum().item<std::int64_t>();
            score.images += batch->labels.size(0);
        }
        if (score.images > 0) {
            score.loss = lossSum / static_cast<double>(score.images);
            score.accuracy =
                    100.0 * static_cast<double>(correct) / static_cast<double>(score.images);
        }
    } catch (const c10::Error &e) {
        throw computeError(e);
    }
    score.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return score;
}

std::vector<std::string> TrainedModel::camLayers() const
{
    std::vector<std::string> names;
    for (const LayerSpec &layer : d->model->spec().layers)
        if (layer.kind == LayerSpec::Kind::ConvBlock)
            names.push_back(layer.name);
    return names;
}

std::string TrainedModel::defaultCamLayer() const
{
    std::string last;
    for (const LayerSpec &layer : d->model->spec().layers) {
        if (layer.kind == LayerSpec::Kind::GlobalAvgPool)
            break;
        if (layer.kind == LayerSpec::Kind::ConvBlock)
            last = layer.name;
    }
    return last;
}

std::vector<TrainedModel::Cam>
TrainedModel::gradCam(const std::vector<std::vector<std::uint8_t>> &images, const std::string &layer,
                      int classIndex)
{
    if (classIndex == -1)
        return gradCam(images, layer, std::vector<int>());
    return gradCam(images, layer, std::vector<int>(images.size(), classIndex));
}

bool TrainedModel::checkpointReplaced() const
{
    std::error_code error; // a file gone counts as replaced: loading it again names the problem
    return std::filesystem::last_write_time(m_path, error) != m_writtenAt;
}

void TrainedModel::requireCamLayer(const std::string &layer) const
{
    const std::vector<std::string> layers = camLayers();
    if (std::find(layers.begin(), layers.end(), layer) != layers.end())
        return;
    std::string names;
    for (const std::string &name : layers)
        names += (names.empty() ? "" : ", ") + name;
    throw InputError("Grad-CAM: no conv block '" + layer + "' in this network; it has " + names);
}

std::vector<TrainedModel::Cam>
TrainedModel::gradCam(const std::vector<std::vector<std::uint8_t>> &images, const std::string &layer,
                      const std::vector<int> &classIndices)
{
    requireCamLayer(layer);
    const auto classes = static_cast<int>(d->model->spec().numClasses);
    if (!classIndices.empty() && classIndices.size() != images.size())
        throw InputError("Grad-CAM: " + std::to_string(classIndices.size()) + " classes for " +
                         std::to_string(images.size()) + " images");
    for (const int c : classIndices)
        if (c < 0 || c >= classes)
            throw InputError("Grad-CAM: class " + std::to_string(c) + " out of range (0 to " +
                             std::to_string(classes - 1) + ")");
    useThisMachinesCores();
    const auto slice = static_cast<std::size_t>(std::max(1, d->config.evalBatchSize));
    if (images.size() > slice) // each image's map is its own, so slices change nothing
        return inSlices<Cam>(
                images, d->config.evalBatchSize, [&](std::size_t begin, std::size_t end) {
                    const auto first = static_cast<std::ptrdiff_t>(begin);
                    const auto last = static_cast<std::ptrdiff_t>(end);
                    return gradCam({images.begin() + first, images.begin() + last}, layer,
                                   classIndices.empty()
                                           ? std::vector<int>()
                                           : std::vector<int>(classIndices.begin() + first,
                                                              classIndices.begin() + last));
                });
    if (images.empty())
        return {};
    try {
        torch::Tensor maps, scores;
        d->model->setActivationObserver([&](const LayerSpec &spec, const torch::Tensor &output) {
            if (spec.name == layer)
                maps = output;
            if (spec.kind == LayerSpec::Kind::Classifier)
                scores = output;
        });
        const torch::Tensor batch = d->batch(images);
        const torch::Tensor logProbs = d->model->forward(batch);
        d->model->setActivationObserver({});
        // The predicted class and its probability as predict() and the run's recorded mistakes
        // have them: over the run's test-time views. The maps explain the plain image.
        torch::Tensor predicted;
        {
            torch::NoGradGuard noGrad;
            predicted = viewAveragedLogProbs(d->model, batch, testViewsFor(d->config),
                                             logProbs.detach());
        }
        const torch::Tensor chosen =
                classIndices.empty()
                        ? predicted.argmax(1)
                        : torch::tensor(std::vector<std::int64_t>(classIndices.begin(),
                                                                  classIndices.end()),
                                        torch::kLong);
        // Each image's own class score: summing them keeps the images' gradients apart.
        const torch::Tensor score = scores.gather(1, chosen.unsqueeze(1)).sum();
        const torch::Tensor gradients = torch::autograd::grad({score}, {maps})[0];
        torch::NoGradGuard noGrad;
        const torch::Tensor weights = gradients.mean({2, 3}, /*keepdim=*/true);
        torch::Tensor cam = torch::relu((weights * maps).sum(1, /*keepdim=*/true));
        cam = torch::upsample_bilinear2d(cam.contiguous(), {32, 32}, /*align_corners=*/false)
                      .squeeze(1);
        const torch::Tensor flat = cam.flatten(1);
        const torch::Tensor low = std::get<0>(flat.min(1, true));
        const torch::Tensor high = std::get<0>(flat.max(1, true));
        const torch::Tensor scaled =
                ((flat - low) / (high - low).clamp_min(1e-12)).to(torch::kFloat).contiguous();
        const torch::Tensor probabilities = predicted.exp();
        std::vector<Cam> out(images.size());
        for (std::size_t i = 0; i < images.size(); ++i) {
            const auto row = static_cast<std::int64_t>(i);
            const float *heat = scaled[row].data_ptr<float>();
            out[i].heat.assign(heat, heat + 32 * 32);
            out[i].classIndex = static_cast<int>(chosen[row].item<std::int64_t>());
            out[i].probability = probabilities[row][out[i].classIndex].item<float>();
        }
        return out;
    } catch (const c10::Error &e) {
        d->model->setActivationObserver({});
        throw computeError(e);
    }
}

} // namespace normlab
