// A picture of a run's mistakes: misclassified test images in a grid, each enlarged with nearest
// neighbour and labelled "true>predicted" (on two lines where the names are too long for one). For
// TensorBoard image summaries, MLflow artifacts, reports and `normlab-cli gradcam`.
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

// A tile's label: "cat>dog" on one line where it fits the tile, else "airplane>" over
// "automobile"; a name too long even for a line is cut, a trailing number kept whole.
std::vector<std::string> mistakeLabelLines(const std::string &truth, const std::string &predicted);

// The `maxImages` most confident mistakes, as a PNG; empty when there are none. `heatMaps`, when
// given, holds one 32x32 map (0..1) per mistake, in the order of `mistakes`: each is drawn over
// its image in a colour scale (blue to red) at `opacity` (Grad-CAM).
// Throws DataError when an index is outside `test`.
PngImage misclassifiedGridPng(const Dataset &test, std::vector<Misclassified> mistakes,
                              const std::vector<std::string> &classNames, int maxImages = 64,
                              const std::vector<std::vector<float>> &heatMaps = {},
                              double opacity = 0.5);

} // namespace normlab
