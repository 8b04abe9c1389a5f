// Test-time augmentation: the views of each test image a run evaluates (itself, shifted, mirrored)
// and their predictions averaged into one. The trainer's evaluation and predictions from a
// recorded run's checkpoint both go through here, so that a checkpoint predicts what was measured.
// Pulls in <torch/torch.h> through net.h: include it only where LibTorch is needed.
#pragma once

#include "config.h"
#include "net.h"

#include <vector>

namespace normlab {

struct TestViews
{
    bool flip = false; // each view also mirrored left to right
    // 0: none; else the image also moved this many pixels left, right, up and down (four more
    // views), the uncovered border black as RandomCrop's padding is.
    int shift = 0;
    // Per channel, what a black pixel becomes after the run's normalization.
    std::vector<double> blackValue;

    int count() const { return (shift > 0 ? 5 : 1) * (flip ? 2 : 1); }
};

TestViews testViewsFor(const ExperimentConfig &config);

// The batch's moved copy: (dx, dy) pixels right and down (negative: left, up), `fill` per channel
// where nothing moved in. Keeps the batch's memory layout.
torch::Tensor shiftedImages(const torch::Tensor &images, int dx, int dy,
                            const std::vector<double> &fill);

// The log-probabilities of the mean of the views' predicted distributions: what the test loss,
// the accuracy and the confidences are computed from. One view: the net's own output.
// `plainOutput`, when defined, is the net's output for the images as they are, already computed
// (the trainer's evaluation takes it under its layer-statistics probe).
torch::Tensor viewAveragedLogProbs(Net &model, const torch::Tensor &images, const TestViews &views,
                                   torch::Tensor plainOutput = {});

} // namespace normlab
