#include "cam_picture.h"

#include <QGuiApplication>
#include <QImage>
#include <QPainter>

#include <cmath>

namespace normlab::gui {

namespace {

constexpr int kSide = 32;

QRgb jet(float v, int alpha)
{
    auto channel = [](float x) { return qBound(0, qRound(255 * (1.5f - std::abs(x))), 255); };
    return qRgba(channel(4 * v - 3), channel(4 * v - 2), channel(4 * v - 1), alpha);
}

} // namespace

QPixmap camPicture(const std::uint8_t *rgb, int zoom, const QVector<float> &heat, double opacity)
{
    const QImage image(rgb, kSide, kSide, kSide * 3, QImage::Format_RGB888);
    // Enlarged here to the screen's real resolution: a view would otherwise scale a small pixmap
    // up smoothly on a HiDPI screen, and blur it.
    const qreal dpr = qApp->devicePixelRatio();
    const int side = qRound(kSide * zoom * dpr);
    QImage shown = image.scaled(side, side, Qt::IgnoreAspectRatio, Qt::FastTransformation)
                           .convertToFormat(QImage::Format_RGB32);
    if (heat.size() == kSide * kSide) {
        QImage map(kSide, kSide, QImage::Format_ARGB32);
        const int alpha = qRound(255 * opacity);
        for (int y = 0; y < kSide; ++y)
            for (int x = 0; x < kSide; ++x)
                map.setPixel(x, y, jet(heat[y * kSide + x], alpha));
        QPainter painter(&shown);
        painter.drawImage(QRect(0, 0, side, side),
                          map.scaled(side, side, Qt::IgnoreAspectRatio, Qt::SmoothTransformation));
    }
    QPixmap pixmap = QPixmap::fromImage(shown);
    pixmap.setDevicePixelRatio(dpr);
    return pixmap;
}

} // namespace normlab::gui
