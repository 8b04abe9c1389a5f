// A picture of a run's mistakes: misclassified test images in a grid, each enlarged with nearest
// neighbour and labelled "true>predicted". For TensorBoard image summaries and MLflow artifacts.
#pragma once

#include "dataset.h"
#include "metrics.h"

#include <cstdint>
#include <string>
#include <vector>

namespace normlab {

struct PngImage
{
    std::vector<std::uint8_t> bytes; // empty: no image
    int width = 0;
    int height = 0;
};

// The `maxImages` most confident mistakes, as a PNG; empty when there are none.
// Throws DataError when an index is outside `test`.
PngImage misclassifiedGridPng(const Dataset &test, std::vector<Misclassified> mistakes,
                              const std::vector<std::string> &classNames, int maxImages = 64);

} // namespace normlab
