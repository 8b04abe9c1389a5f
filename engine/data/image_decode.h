// One image file decoded (OpenCV) for the readers of this module: image folders and predictions.
// A file cut short, the most common damage (an interrupted copy or download), is named by NormLab
// before the decoder sees it: libpng and libjpeg would print their own warning on stderr first.
#pragma once

#include <opencv2/core/mat.hpp>

#include <string>

namespace normlab {

// BGR, 8 bits per channel; grey images become three equal channels, alpha is dropped. PNG, JPEG
// and BMP only, recognised by content. Throws DataError naming the file.
cv::Mat decodeImageFile(const std::string &path);

} // namespace normlab
