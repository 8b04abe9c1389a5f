// Per-image augmentation on uint8 RGB images with OpenCV, following albumentations' semantics
// (HorizontalFlip, ShiftScaleRotate, CoarseDropout) and torchvision's (RandomCrop, ColorJitter,
// Rotate), and Cutout as its paper describes it. Each step fires independently with its own
// probability.
#pragma once

#include "config.h"

#include <cstdint>
#include <random>
#include <vector>

namespace normlab {

class Augmenter
{
public:
    explicit Augmenter(std::vector<AugmentStep> steps = {});

    // Augments one 32x32x3 image in place. All randomness comes from `rng`.
    void apply(std::uint8_t *image, std::mt19937_64 &rng) const;

    bool empty() const { return m_steps.empty(); }

    // The generator for one sample, derived from the run's seed, the epoch and the sample's index,
    // so results do not depend on which thread augments which image.
    static std::mt19937_64 sampleGenerator(std::uint64_t seed, int epoch, std::size_t index);

private:
    std::vector<AugmentStep> m_steps;
};

} // namespace normlab
