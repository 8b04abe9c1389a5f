#include "pil_color.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace normlab::pil {

namespace {

// Image.blend(im1, im2, alpha) for one 8-bit value: im1 + alpha * (im2 - im1) in single
// precision, truncated (ImagingBlend takes alpha as a float).
std::uint8_t blend(int in1, int in2, float alpha)
{
    const float value = static_cast<float>(in1) + alpha * static_cast<float>(in2 - in1);
    if (alpha >= 0.0f && alpha <= 1.0f)
        return static_cast<std::uint8_t>(value);
    if (value <= 0.0f)
        return 0;
    if (value >= 255.0f)
        return 255;
    return static_cast<std::uint8_t>(value);
}

// image.convert("L"): ITU-R 601-2 luma in 16-bit fixed point, rounded.
std::uint8_t luma(const std::uint8_t *p)
{
    return static_cast<std::uint8_t>((p[0] * 19595 + p[1] * 38470 + p[2] * 7471 + 0x8000) >> 16);
}

int clip8(int v)
{
    return std::clamp(v, 0, 255);
}

// Pillow's rgb2hsv_row, with its mix of float and double kept: the results are compared bit
// for bit with PIL's.
void rgbToHsv(const std::uint8_t *in, std::uint8_t *out)
{
    const std::uint8_t r = in[0], g = in[1], b = in[2];
    const std::uint8_t maxc = std::max(r, std::max(g, b));
    const std::uint8_t minc = std::min(r, std::min(g, b));
    std::uint8_t uh = 0, us = 0;
    if (minc != maxc) {
        const float cr = static_cast<float>(maxc - minc);
        const float s = cr / static_cast<float>(maxc);
        const float rc = static_cast<float>(maxc - r) / cr;
        const float gc = static_cast<float>(maxc - g) / cr;
        const float bc = static_cast<float>(maxc - b) / cr;
        float h;
        if (r == maxc)
            h = bc - gc;
        else if (g == maxc)
            h = static_cast<float>(2.0 + rc - bc);
        else
            h = static_cast<float>(4.0 + gc - rc);
        h = static_cast<float>(std::fmod(h / 6.0 + 1.0, 1.0));
        uh = static_cast<std::uint8_t>(clip8(static_cast<int>(h * 255.0)));
        us = static_cast<std::uint8_t>(clip8(static_cast<int>(s * 255.0)));
    }
    out[0] = uh;
    out[1] = us;
    out[2] = maxc;
}

// Pillow's hsv2rgb.
void hsvToRgb(const std::uint8_t *in, std::uint8_t *out)
{
    const std::uint8_t h = in[0], s = in[1], v = in[2];
    if (s == 0) {
        out[0] = out[1] = out[2] = v;
        return;
    }
    const int i = static_cast<int>(std::floor(static_cast<float>(h) * 6.0 / 255.0));
    const float f = static_cast<float>(static_cast<float>(h) * 6.0 / 255.0 - static_cast<float>(i));
    const float fs = static_cast<float>(static_cast<float>(s) / 255.0);
    const auto up = static_cast<std::uint8_t>(
            clip8(static_cast<int>(std::round(static_cast<float>(v) * (1.0 - fs)))));
    const auto uq = static_cast<std::uint8_t>(
            clip8(static_cast<int>(std::round(static_cast<float>(v) * (1.0 - fs * f)))));
    const auto ut = static_cast<std::uint8_t>(
            clip8(static_cast<int>(std::round(static_cast<float>(v) * (1.0 - fs * (1.0 - f))))));
    switch (i % 6) {
    case 0:
        out[0] = v, out[1] = ut, out[2] = up;
        break;
    case 1:
        out[0] = uq, out[1] = v, out[2] = up;
        break;
    case 2:
        out[0] = up, out[1] = v, out[2] = ut;
        break;
    case 3:
        out[0] = up, out[1] = uq, out[2] = v;
        break;
    case 4:
        out[0] = ut, out[1] = up, out[2] = v;
        break;
    default:
        out[0] = v, out[1] = up, out[2] = uq;
        break;
    }
}

} // namespace

void adjustBrightness(std::uint8_t *rgb, int pixels, double factor)
{
    // ImageEnhance.Brightness blends from black.
    const auto alpha = static_cast<float>(factor);
    for (int i = 0; i < 3 * pixels; ++i)
        rgb[i] = blend(0, rgb[i], alpha);
}

void adjustContrast(std::uint8_t *rgb, int pixels, double factor)
{
    // ImageEnhance.Contrast blends from a grey image at the mean luma, rounded to a whole level.
    double sum = 0;
    for (int p = 0; p < pixels; ++p)
        sum += luma(rgb + 3 * p);
    const int mean = static_cast<int>(sum / pixels + 0.5);
    const auto alpha = static_cast<float>(factor);
    for (int i = 0; i < 3 * pixels; ++i)
        rgb[i] = blend(mean, rgb[i], alpha);
}

void adjustSaturation(std::uint8_t *rgb, int pixels, double factor)
{
    // ImageEnhance.Color blends from the image's own greyscale.
    const auto alpha = static_cast<float>(factor);
    for (int p = 0; p < pixels; ++p) {
        std::uint8_t *px = rgb + 3 * p;
        const int grey = luma(px);
        for (int c = 0; c < 3; ++c)
            px[c] = blend(grey, px[c], alpha);
    }
}

void adjustHue(std::uint8_t *rgb, int pixels, double factor)
{
    // torchvision adds np.uint8(factor * 255) to PIL's 8-bit hue: truncated toward zero, then
    // wrapped modulo 256.
    const auto shift = static_cast<std::uint8_t>(static_cast<int>(factor * 255.0) & 0xff);
    for (int p = 0; p < pixels; ++p) {
        std::uint8_t hsv[3];
        rgbToHsv(rgb + 3 * p, hsv);
        hsv[0] = static_cast<std::uint8_t>(hsv[0] + shift);
        hsvToRgb(hsv, rgb + 3 * p);
    }
}

} // namespace normlab::pil
