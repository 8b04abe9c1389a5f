#include "augment.h"

#include "dataset.h"
#include "pil_color.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <numeric>

namespace normlab {

namespace {

using Rng = std::mt19937_64;

double uniform(Rng &rng, double lo, double hi)
{
    return std::uniform_real_distribution<double>(lo, hi)(rng);
}

int randint(Rng &rng, int lo, int hiInclusive)
{
    return std::uniform_int_distribution<int>(lo, hiInclusive)(rng);
}

cv::Scalar fillScalar(const std::vector<double> &fill)
{
    if (fill.size() == 3)
        return {fill[0], fill[1], fill[2]};
    const double v = fill.empty() ? 0.0 : fill[0];
    return {v, v, v};
}

int borderMode(const std::string &name)
{
    if (name == "constant")
        return cv::BORDER_CONSTANT;
    if (name == "reflect")
        return cv::BORDER_REFLECT;
    if (name == "replicate")
        return cv::BORDER_REPLICATE;
    if (name == "wrap")
        return cv::BORDER_WRAP;
    return cv::BORDER_REFLECT_101;
}

// Pixel-centre coordinates of the image centre: what PIL's and albumentations' centres mean.
const cv::Point2f kCentre((Dataset::kWidth - 1) * 0.5f, (Dataset::kHeight - 1) * 0.5f);

void shiftScaleRotate(cv::Mat &img, const AugmentStep &s, Rng &rng)
{
    const double angle = uniform(rng, -s.rotateLimit, s.rotateLimit);
    const double scale = uniform(rng, 1.0 - s.scaleLimit, 1.0 + s.scaleLimit);
    const double dx = uniform(rng, -s.shiftLimit, s.shiftLimit);
    const double dy = uniform(rng, -s.shiftLimit, s.shiftLimit);
    cv::Mat m = cv::getRotationMatrix2D(kCentre, angle, scale);
    m.at<double>(0, 2) += dx * img.cols;
    m.at<double>(1, 2) += dy * img.rows;
    cv::Mat out;
    cv::warpAffine(img, out, m, img.size(), cv::INTER_LINEAR, borderMode(s.borderMode));
    out.copyTo(img);
}

void rotate(cv::Mat &img, const AugmentStep &s, Rng &rng)
{
    const double angle = uniform(rng, -s.rotateLimit, s.rotateLimit);
    const cv::Mat m = cv::getRotationMatrix2D(kCentre, angle, 1.0);
    cv::Mat out;
    // torchvision's RandomRotation defaults to nearest-neighbour sampling.
    cv::warpAffine(img, out, m, img.size(), cv::INTER_NEAREST, cv::BORDER_CONSTANT,
                   fillScalar(s.fillValue));
    out.copyTo(img);
}

void coarseDropout(cv::Mat &img, const AugmentStep &s, Rng &rng)
{
    const int holes = randint(rng, s.minHoles, s.maxHoles);
    const cv::Scalar fill = fillScalar(s.fillValue);
    for (int i = 0; i < holes; ++i) {
        const int h = std::min(randint(rng, s.minHeight, s.maxHeight), img.rows);
        const int w = std::min(randint(rng, s.minWidth, s.maxWidth), img.cols);
        const int y = randint(rng, 0, img.rows - h);
        const int x = randint(rng, 0, img.cols - w);
        img(cv::Rect(x, y, w, h)).setTo(fill);
    }
}

void cutout(cv::Mat &img, const AugmentStep &s, Rng &rng)
{
    const int cy = randint(rng, 0, img.rows - 1);
    const int cx = randint(rng, 0, img.cols - 1);
    const int y0 = std::max(0, cy - s.length / 2),
              y1 = std::min(img.rows, cy - s.length / 2 + s.length);
    const int x0 = std::max(0, cx - s.length / 2),
              x1 = std::min(img.cols, cx - s.length / 2 + s.length);
    img(cv::Rect(x0, y0, x1 - x0, y1 - y0)).setTo(fillScalar(s.fillValue));
}

void randomCrop(cv::Mat &img, const AugmentStep &s, Rng &rng)
{
    cv::Mat padded;
    cv::copyMakeBorder(img, padded, s.padding, s.padding, s.padding, s.padding, cv::BORDER_CONSTANT,
                       cv::Scalar::all(0));
    const int y = randint(rng, 0, 2 * s.padding);
    const int x = randint(rng, 0, 2 * s.padding);
    padded(cv::Rect(x, y, img.cols, img.rows)).copyTo(img);
}

void colorJitter(cv::Mat &img, const AugmentStep &s, Rng &rng)
{
    // torchvision draws the order and the four factors first, then applies each adjustment whose
    // range is set (even at a factor of exactly 1), in PIL's 8-bit arithmetic (pil_color.h).
    std::array<int, 4> order {0, 1, 2, 3};
    std::shuffle(order.begin(), order.end(), rng);
    const double b = s.brightness > 0
                             ? uniform(rng, std::max(0.0, 1 - s.brightness), 1 + s.brightness)
                             : 1.0;
    const double c =
            s.contrast > 0 ? uniform(rng, std::max(0.0, 1 - s.contrast), 1 + s.contrast) : 1.0;
    const double sat = s.saturation > 0
                               ? uniform(rng, std::max(0.0, 1 - s.saturation), 1 + s.saturation)
                               : 1.0;
    const double hue = s.hue > 0 ? uniform(rng, -s.hue, s.hue) : 0.0;
    CV_Assert(img.isContinuous() && img.type() == CV_8UC3);
    std::uint8_t *rgb = img.data;
    const int pixels = img.rows * img.cols;
    for (int op : order) {
        switch (op) {
        case 0:
            if (s.brightness > 0)
                pil::adjustBrightness(rgb, pixels, b);
            break;
        case 1:
            if (s.contrast > 0)
                pil::adjustContrast(rgb, pixels, c);
            break;
        case 2:
            if (s.saturation > 0)
                pil::adjustSaturation(rgb, pixels, sat);
            break;
        case 3:
            if (s.hue > 0)
                pil::adjustHue(rgb, pixels, hue);
            break;
        }
    }
}

} // namespace

Augmenter::Augmenter(std::vector<AugmentStep> steps) : m_steps(std::move(steps)) { }

std::mt19937_64 Augmenter::sampleGenerator(std::uint64_t seed, int epoch, std::size_t index)
{
    std::seed_seq seq {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                       static_cast<std::uint32_t>(epoch), static_cast<std::uint32_t>(index),
                       static_cast<std::uint32_t>(static_cast<std::uint64_t>(index) >> 32)};
    return std::mt19937_64(seq);
}

void Augmenter::apply(std::uint8_t *image, std::mt19937_64 &rng) const
{
    cv::Mat img(Dataset::kHeight, Dataset::kWidth, CV_8UC3, image);
    for (const AugmentStep &s : m_steps) {
        // Draw for every step, fired or not, so one step's probability does not shift the others.
        const bool fire = uniform(rng, 0.0, 1.0) < s.p;
        if (!fire)
            continue;
        using K = AugmentStep::Kind;
        switch (s.kind) {
        case K::HorizontalFlip: {
            cv::Mat flipped;
            cv::flip(img, flipped, 1);
            flipped.copyTo(img);
            break;
        }
        case K::ShiftScaleRotate:
            shiftScaleRotate(img, s, rng);
            break;
        case K::CoarseDropout:
            coarseDropout(img, s, rng);
            break;
        case K::RandomCrop:
            randomCrop(img, s, rng);
            break;
        case K::ColorJitter:
            colorJitter(img, s, rng);
            break;
        case K::Rotate:
            rotate(img, s, rng);
            break;
        case K::Cutout:
            cutout(img, s, rng);
            break;
        }
    }
}

} // namespace normlab
