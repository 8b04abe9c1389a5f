#include "mistake_grid.h"

#include "errors.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace normlab {

namespace {

constexpr int kScale = 3; // 32 px -> 96 px: readable, still small
constexpr int kLabelHeight = 14;
constexpr int kGap = 2;
constexpr int kTileWidth = Dataset::kWidth * kScale;
constexpr int kTileHeight = Dataset::kHeight * kScale + kLabelHeight;
constexpr std::size_t kLabelChars = 6;

std::string shortName(const std::vector<std::string> &names, int index)
{
    const std::string name = index >= 0 && index < static_cast<int>(names.size())
                                     ? names[static_cast<std::size_t>(index)]
                                     : std::to_string(index);
    if (name.size() <= kLabelChars)
        return name;
    // Keep a trailing number whole ("grating018" -> "gra018"); cut other names at the end.
    const std::size_t digits = name.size() - 1 - name.find_last_not_of("0123456789");
    if (digits > 0 && digits < kLabelChars)
        return name.substr(0, kLabelChars - digits) + name.substr(name.size() - digits);
    return name.substr(0, kLabelChars);
}

// The map enlarged smoothly (it is coarser than the image), in OpenCV's JET scale, blended in.
void overlayHeat(cv::Mat &tile, const std::vector<float> &heat, double opacity)
{
    if (heat.size() != static_cast<std::size_t>(Dataset::kWidth * Dataset::kHeight))
        throw DataError("a heat map is not 32x32");
    const cv::Mat small(Dataset::kHeight, Dataset::kWidth, CV_32F,
                        const_cast<float *>(heat.data()));
    cv::Mat large, bytes, bgr, rgb;
    cv::resize(small, large, tile.size(), 0, 0, cv::INTER_LINEAR);
    large.convertTo(bytes, CV_8U, 255.0);
    cv::applyColorMap(bytes, bgr, cv::COLORMAP_JET);
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB); // the grid is RGB until it is encoded
    cv::addWeighted(tile, 1.0 - opacity, rgb, opacity, 0.0, tile);
}

} // namespace

PngImage misclassifiedGridPng(const Dataset &test, std::vector<Misclassified> mistakes,
                              const std::vector<std::string> &classNames, int maxImages,
                              const std::vector<std::vector<float>> &heatMaps, double opacity)
{
    if (!heatMaps.empty() && heatMaps.size() != mistakes.size())
        throw DataError("a heat map for each of the " + std::to_string(mistakes.size()) +
                        " images is needed, not " + std::to_string(heatMaps.size()));
    std::vector<std::size_t> order(mistakes.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return mistakes[a].confidence > mistakes[b].confidence;
    });
    if (static_cast<int>(order.size()) > maxImages)
        order.resize(static_cast<std::size_t>(maxImages));
    if (order.empty())
        return {};
    const int count = static_cast<int>(order.size());
    const int columns =
            std::min(count, static_cast<int>(std::ceil(std::sqrt(static_cast<double>(count)))));
    const int rows = (count + columns - 1) / columns;
    cv::Mat grid(rows * (kTileHeight + kGap) + kGap, columns * (kTileWidth + kGap) + kGap, CV_8UC3,
                 cv::Scalar(40, 40, 40));
    for (int i = 0; i < count; ++i) {
        const Misclassified &m = mistakes[order[static_cast<std::size_t>(i)]];
        if (m.index < 0 || static_cast<std::size_t>(m.index) >= test.size())
            throw DataError("misclassified image " + std::to_string(m.index) +
                            " is outside the test set of " + std::to_string(test.size()) +
                            " images");
        const cv::Mat image(
                Dataset::kHeight, Dataset::kWidth, CV_8UC3,
                const_cast<std::uint8_t *>(test.image(static_cast<std::size_t>(m.index))));
        const int x = kGap + (i % columns) * (kTileWidth + kGap);
        const int y = kGap + (i / columns) * (kTileHeight + kGap);
        cv::Mat tile = grid(cv::Rect(x, y, kTileWidth, Dataset::kHeight * kScale));
        cv::resize(image, tile, tile.size(), 0, 0, cv::INTER_NEAREST);
        if (!heatMaps.empty())
            overlayHeat(tile, heatMaps[order[static_cast<std::size_t>(i)]], opacity);
        const std::string label =
                shortName(classNames, m.trueLabel) + ">" + shortName(classNames, m.predicted);
        cv::putText(grid, label, cv::Point(x + 1, y + kTileHeight - 3), cv::FONT_HERSHEY_PLAIN,
                    0.75, cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
    }
    cv::Mat bgr;
    cv::cvtColor(grid, bgr, cv::COLOR_RGB2BGR); // imencode expects BGR
    PngImage png {{}, grid.cols, grid.rows};
    cv::imencode(".png", bgr, png.bytes);
    return png;
}

} // namespace normlab
