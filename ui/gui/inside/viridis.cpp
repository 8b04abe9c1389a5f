#include "viridis.h"

#include <algorithm>

namespace normlab::gui {

QCPColorGradient viridisGradient()
{
    QCPColorGradient g;
    g.clearColorStops();
    g.setColorStopAt(0.0, QColor(0x44, 0x01, 0x54));
    g.setColorStopAt(0.25, QColor(0x3b, 0x52, 0x8b));
    g.setColorStopAt(0.5, QColor(0x21, 0x91, 0x8c));
    g.setColorStopAt(0.75, QColor(0x5e, 0xc9, 0x62));
    g.setColorStopAt(1.0, QColor(0xfd, 0xe7, 0x25));
    g.setNanHandling(QCPColorGradient::nhNanColor);
    g.setNanColor(QColor(0xdd, 0xdd, 0xdd)); // nothing recorded: light grey
    return g;
}

QColor viridis(double t)
{
    return QColor::fromRgb(viridisGradient().color(std::clamp(t, 0.0, 1.0), QCPRange(0, 1)));
}

} // namespace normlab::gui
