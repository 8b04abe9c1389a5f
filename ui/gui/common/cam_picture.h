// A 32x32 image as the views show it: enlarged pixel by pixel (crisp, at the screen's real
// resolution) and, with a Grad-CAM heat map, the map enlarged smoothly and laid over it in
// OpenCV's JET scale (blue: not looked at, red: most), as `normlab-cli gradcam` draws it.
#pragma once

#include <QPixmap>
#include <QVector>

#include <cstdint>

namespace normlab::gui {

// `rgb`: 32x32x3 bytes. `heat`: empty, or 32x32 values in 0..1.
QPixmap camPicture(const std::uint8_t *rgb, int zoom, const QVector<float> &heat = {},
                   double opacity = 0.5);

} // namespace normlab::gui
