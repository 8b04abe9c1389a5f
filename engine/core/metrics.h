// What one epoch of training (or a batch of a learning-rate range test) produced: plain values
// shared by the trainer, the run store, the exports and the views.
#pragma once

#include <cstdint>
#include <vector>

namespace normlab {

struct Misclassified
{
    int index = 0; // position in the test set
    int trueLabel = 0;
    int predicted = 0;
    float confidence = 0; // softmax probability of the predicted class
};

struct EpochMetrics
{
    int epoch = 0; // 1-based
    double trainLoss = 0;
    double trainAccuracy = 0; // percent
    double testLoss = 0;
    double testAccuracy = 0; // percent
    double lr = 0; // the rate used during this epoch
    double seconds = 0; // training + evaluation
    double trainImagesPerSecond = 0;
    double evalImagesPerSecond = 0;
    bool best = false; // lowest test loss so far
    // The process as a whole at the end of the epoch, for the run store.
    double processCpuSeconds = 0; // user + system since the process started
    std::int64_t residentBytes = 0;
    double wallTime = 0; // Unix time, seconds
    std::vector<int> confusion; // classes x classes, row = true class, column = predicted
    std::vector<Misclassified> misclassified;
};

// One batch of a learning-rate range test (engine/train/lr_range_test).
struct LrRangePoint
{
    double lr = 0;
    double loss = 0; // the batch's
    double smoothedLoss = 0;
};

} // namespace normlab
