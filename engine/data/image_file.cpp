#include "image_file.h"

#include "image_decode.h"

#include "dataset.h"
#include "errors.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>

namespace normlab {

std::vector<std::uint8_t> readImageAs32x32(const std::string &path)
{
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error))
        throw DataError(path + ": " +
                        (std::filesystem::exists(path, error) ? "not a file" : "no such file"));
    // IMREAD_COLOR: grey images become three equal channels, an alpha channel is dropped.
    const cv::Mat bgr = decodeImageFile(path);
    cv::Mat resized;
    const bool shrinks = bgr.cols > Dataset::kWidth || bgr.rows > Dataset::kHeight;
    cv::resize(bgr, resized, cv::Size(Dataset::kWidth, Dataset::kHeight), 0, 0,
               shrinks ? cv::INTER_AREA : cv::INTER_LINEAR);
    std::vector<std::uint8_t> pixels(Dataset::kImageBytes);
    cv::Mat rgb(Dataset::kHeight, Dataset::kWidth, CV_8UC3, pixels.data());
    cv::cvtColor(resized, rgb, cv::COLOR_BGR2RGB);
    return pixels;
}

} // namespace normlab
