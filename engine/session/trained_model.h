// A recorded run's trained network, for inference: built from the run's config, its weights from
// the run's best or last checkpoint, in eval mode. Images go in as 32x32 RGB bytes and come out as
// class probabilities (softmax of the network's log-probabilities).
#pragma once

#include "run_store.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace normlab {

class Dataset;

// How well a checkpoint does on a test set, with given test-time views.
struct TestScore
{
    double loss = 0; // mean NLL of the views' averaged prediction
    double accuracy = 0; // percent
    std::int64_t images = 0;
    int views = 1; // predictions averaged per image
    double seconds = 0;
};

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
    // Whether the checkpoint file was replaced since its weights were read (a run still training
    // replaces best.pt and last.pt): its modification time, read before the weights, differs.
    bool checkpointReplaced() const;

    // The test-time views the run evaluated with (its test_time_flip and test_time_shift).
    bool testTimeFlip() const;
    int testTimeShift() const;

    // Per image (Dataset::kImageBytes RGB bytes each), the probability of each class: the mean
    // over the run's test-time views, as its evaluations measured.
    std::vector<std::vector<float>> predict(const std::vector<std::vector<std::uint8_t>> &images);

    // The checkpoint on `test` with these test-time views (the run's own reproduce what it
    // recorded at the checkpoint's epoch). Throws InputError when the classes do not match.
    TestScore evaluate(const Dataset &test, bool flip, int shift);

    // The layers Grad-CAM can look at: the conv blocks, by name, input to output.
    std::vector<std::string> camLayers() const;
    // The last conv block before the global pool: where the net decides, at its finest
    // resolution that still has a map.
    std::string defaultCamLayer() const;
    // Throws InputError naming `layer` and every layer there is when it is not one of camLayers():
    // gradCam() checks with it, and a command checks with it before it writes anything.
    void requireCamLayer(const std::string &layer) const;

    struct Cam
    {
        std::vector<float> heat; // 32 x 32, row-major, 0 (not looked at) to 1 (most)
        int classIndex = 0; // the class it explains
        float probability = 0; // of that class, over the run's test-time views
    };
    // Grad-CAM (Selvaraju et al.): the layer's activation maps weighted by the mean gradient of
    // the class's score (its logit) over each map, summed, ReLU, upsampled bilinearly to 32x32
    // and scaled to 0..1, for the image as it is. `classIndex` -1: the predicted class, over the
    // run's test-time views as predict() gives it. Throws InputError for an unknown layer or
    // class.
    std::vector<Cam> gradCam(const std::vector<std::vector<std::uint8_t>> &images,
                             const std::string &layer, int classIndex = -1);
    // The same with a class per image (the true classes of mistakes, say); empty: each image's
    // predicted class.
    std::vector<Cam> gradCam(const std::vector<std::vector<std::uint8_t>> &images,
                             const std::string &layer, const std::vector<int> &classIndices);

private:
    struct Impl;
    std::unique_ptr<Impl> d;
    std::vector<std::string> m_classNames;
    std::string m_path;
    std::filesystem::file_time_type m_writtenAt;
    int m_epoch = 0;
};

} // namespace normlab
