// A procedural 10-class 32x32 RGB dataset, so NormLab trains with nothing downloaded. Each class is
// an oriented grating of its own angle, frequency and tint, with random phase, position, contrast
// and noise: learnable in an epoch, but not by a linear model alone.
#pragma once

#include "dataset.h"

#include <cstdint>

namespace normlab {

Dataset makeSyntheticDataset(std::size_t count, std::uint64_t seed);
DatasetPair makeSyntheticPair(std::size_t trainCount, std::size_t testCount, std::uint64_t seed);

} // namespace normlab
