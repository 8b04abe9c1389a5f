// One image file of any size for a prediction: decoded (PNG, JPEG, BMP; grey and alpha handled),
// resized to the network's 32x32 with area averaging when it shrinks and bilinear when it grows
// (the aspect ratio is not kept: CIFAR-10's images are square crops), as RGB.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace normlab {

// Dataset::kImageBytes bytes, H x W x C. Throws DataError naming the file.
std::vector<std::uint8_t> readImageAs32x32(const std::string &path);

} // namespace normlab
