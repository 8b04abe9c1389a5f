#include "mistake_grid.h"

#include "errors.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace normlab {

namespace {

constexpr int kScale = 3; // 32 px -> 96 px: readable, still small
constexpr int kLabelLine = 13; // px: one line of the label font
constexpr int kLabelHeight = 2 * kLabelLine + 1; // "true>predicted" on one line, or two
constexpr int kGap = 2;
constexpr int kTileWidth = Dataset::kWidth * kScale;
constexpr int kTileHeight = Dataset::kHeight * kScale + kLabelHeight;
constexpr int kFont = cv::FONT_HERSHEY_PLAIN;
constexpr double kFontScale = 0.75;

int textWidth(const std::string &text)
{
    int baseline = 0;
    return cv::getTextSize(text, kFont, kFontScale, 1, &baseline).width;
}

std::string nameOf(const std::vector<std::string> &names, int index)
{
    return index >= 0 && index < static_cast<int>(names.size())
                   ? names[static_cast<std::size_t>(index)]
                   : std::to_string(index);
}

// `name` + `suffix` cut to `width` px; a trailing number is kept whole ("grating018" ->
// "grat018"), other names are cut at the end.
std::string fitted(const std::string &name, const std::string &suffix, int width)
{
    const std::size_t digits = name.size() - 1 - name.find_last_not_of("0123456789");
    for (std::size_t chars = name.size(); chars > 1; --chars) {
        std::string cut = name.substr(0, chars);
        if (chars < name.size() && digits > 0 && digits < chars)
            cut = name.substr(0, chars - digits) + name.substr(name.size() - digits);
        if (textWidth(cut + suffix) <= width)
            return cut + suffix;
    }
    return name.substr(0, 1) + suffix;
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

std::vector<std::string> mistakeLabelLines(const std::string &truth, const std::string &predicted)
{
    constexpr int kWidth = kTileWidth - 2;
    if (textWidth(truth + ">" + predicted) <= kWidth)
        return {truth + ">" + predicted};
    return {fitted(truth, ">", kWidth), fitted(predicted, "", kWidth)};
}

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
        const std::vector<std::string> lines =
                mistakeLabelLines(nameOf(classNames, m.trueLabel), nameOf(classNames, m.predicted));
        for (std::size_t line = 0; line < lines.size(); ++line)
            cv::putText(grid, lines[line],
                        cv::Point(x + 1, y + Dataset::kHeight * kScale +
                                                 kLabelLine * (static_cast<int>(line) + 1) - 2),
                        kFont, kFontScale, cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
    }
    cv::Mat bgr;
    cv::cvtColor(grid, bgr, cv::COLOR_RGB2BGR); // imencode expects BGR
    PngImage png {{}, grid.cols, grid.rows};
    cv::imencode(".png", bgr, png.bytes);
    return png;
}

} // namespace normlab
