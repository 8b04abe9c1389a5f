#include "synthetic.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>

namespace normlab {

namespace {

constexpr int kClasses = 10;

// Hue of each class's tint, as RGB weights; neighbouring classes share colours so that colour alone
// does not give the answer away.
constexpr float kTints[5][3] = {
    {1.0f, 0.4f, 0.3f}, {0.3f, 1.0f, 0.4f}, {0.3f, 0.5f, 1.0f}, {1.0f, 0.9f, 0.3f}, {0.8f, 0.3f, 1.0f}};

void drawImage(std::uint8_t *dst, int label, std::mt19937_64 &rng)
{
    std::uniform_real_distribution<float> unit(0.0f, 1.0f);
    std::normal_distribution<float> jitter(0.0f, 1.0f);
    const float angle = (static_cast<float>(label) * 18.0f + 7.0f * jitter(rng)) * std::numbers::pi_v<float> / 180.0f;
    const float frequency = 2.5f + static_cast<float>(label % 3) + 0.3f * jitter(rng);
    const float phase = 2.0f * std::numbers::pi_v<float> * unit(rng);
    const float contrast = 15.0f + 45.0f * unit(rng);
    const float cx = 10.0f + 12.0f * unit(rng);
    const float cy = 10.0f + 12.0f * unit(rng);
    const float radius = 6.0f + 7.0f * unit(rng);
    const float *tint = kTints[(label / 2 + (unit(rng) < 0.4f ? 1 : 0)) % 5];
    float background[3];
    for (float &b : background)
        b = 60.0f + 120.0f * unit(rng);

    const float c = std::cos(angle), s = std::sin(angle);
    for (int y = 0; y < Dataset::kHeight; ++y) {
        for (int x = 0; x < Dataset::kWidth; ++x) {
            const float d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
            const float window = std::clamp(radius - std::sqrt(d2), 0.0f, 1.0f);
            const float wave = std::sin(2.0f * std::numbers::pi_v<float> * frequency
                                                * (x * c + y * s) / Dataset::kWidth + phase);
            for (int ch = 0; ch < Dataset::kChannels; ++ch) {
                const float v = background[ch] + window * contrast * wave * tint[ch] + 30.0f * jitter(rng);
                dst[(y * Dataset::kWidth + x) * Dataset::kChannels + ch] =
                        static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L));
            }
        }
    }
}

} // namespace

Dataset makeSyntheticDataset(std::size_t count, std::uint64_t seed)
{
    Dataset out;
    // Zero-padded so that sorted folder names (the image-folder convention) keep the label order.
    out.classNames = {"grating000", "grating018", "grating036", "grating054", "grating072",
                      "grating090", "grating108", "grating126", "grating144", "grating162"};
    out.labels.resize(count);
    out.pixels.resize(count * Dataset::kImageBytes);
    for (std::size_t i = 0; i < count; ++i) {
        // Per-image generators keep each image independent of how many came before it.
        std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + i);
        const int label = static_cast<int>(i % kClasses);
        out.labels[i] = static_cast<std::uint8_t>(label);
        drawImage(out.image(i), label, rng);
    }
    return out;
}

DatasetPair makeSyntheticPair(std::size_t trainCount, std::size_t testCount, std::uint64_t seed)
{
    DatasetPair pair;
    pair.kind = "synthetic";
    pair.train = makeSyntheticDataset(trainCount, seed);
    pair.test = makeSyntheticDataset(testCount, seed + 0x7E57);
    return pair;
}

} // namespace normlab
