// torchvision's colour adjustments as it computes them on the PIL images of a PyTorch training
// script (ColorJitter's four steps), in PIL's own arithmetic: every step works on uint8 values and
// truncates its result to uint8 before the next, greyscale is ITU-R 601-2 in 16-bit fixed point,
// and hue turns in PIL's 8-bit HSV. Computed in floating point instead, as NormLab did before,
// each of brightness, contrast and saturation came out 0.44 levels brighter on average than
// PyTorch's, and hue moved up to 14 levels apart (docs/pytorch-parity.md).
//
// All take an interleaved 8-bit RGB image of `pixels` pixels and change it in place; the factors
// are torchvision's (adjust_brightness, adjust_contrast, adjust_saturation: 1 leaves the image
// as it is; adjust_hue: a fraction of a turn in [-0.5, 0.5]).
#pragma once

#include <cstdint>

namespace normlab::pil {

void adjustBrightness(std::uint8_t *rgb, int pixels, double factor);
void adjustContrast(std::uint8_t *rgb, int pixels, double factor);
void adjustSaturation(std::uint8_t *rgb, int pixels, double factor);
void adjustHue(std::uint8_t *rgb, int pixels, double factor);

} // namespace normlab::pil
