#include "run_palette.h"

#include <array>
#include <cmath>

namespace normlab::gui {

namespace {

// Tol, "Colour schemes and templates" (2021), the muted scheme; its pale grey is left out because
// it is the colour of missing data there.
constexpr std::array<QRgb, 9> kMuted {0xCC6677, 0x332288, 0xDDCC77, 0x117733, 0x88CCEE,
                                      0x882255, 0x44AA99, 0x999933, 0xAA4499};
// How much darker each further cycle of nine ids is (QColor::darker's percent).
constexpr std::array<int, 3> kCycleDarkness {100, 150, 210};

double relativeLuminance(const QColor &c)
{
    auto channel = [](double v) {
        return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
}

} // namespace

double contrastRatio(const QColor &a, const QColor &b)
{
    const double la = relativeLuminance(a), lb = relativeLuminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

QColor runColor(qint64 runId)
{
    const qint64 n = qint64(kMuted.size());
    const qint64 index = ((runId - 1) % n + n) % n;
    const qint64 cycle = (std::max<qint64>(0, runId - 1) / n) % qint64(kCycleDarkness.size());
    QColor color = QColor::fromRgb(kMuted[static_cast<std::size_t>(index)]);
    color = color.darker(kCycleDarkness[static_cast<std::size_t>(cycle)]);
    while (contrastRatio(color, Qt::white) < kMinimumContrast)
        color = color.darker(110);
    return color;
}

} // namespace normlab::gui
