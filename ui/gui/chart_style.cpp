#include "chart_style.h"

#include <array>
#include <cmath>

namespace normlab::gui {

namespace {

// Tol, "Colour schemes and templates" (2021), the muted scheme; its pale grey is left out because
// it is the colour of missing data there.
constexpr std::array<QRgb, 9> kMuted {0xCC6677, 0x332288, 0xDDCC77, 0x117733, 0x88CCEE,
                                      0x882255, 0x44AA99, 0x999933, 0xAA4499};

} // namespace

QColor runColor(qint64 runId)
{
    const auto i = static_cast<std::size_t>(((runId - 1) % qint64(kMuted.size()) + kMuted.size()) %
                                            kMuted.size());
    return QColor::fromRgb(kMuted[i]);
}

QCPScatterStyle::ScatterShape runMarker(qint64 runId)
{
    constexpr std::array<QCPScatterStyle::ScatterShape, 4> kShapes {
            QCPScatterStyle::ssCircle, QCPScatterStyle::ssSquare, QCPScatterStyle::ssTriangle,
            QCPScatterStyle::ssDiamond};
    const qint64 cycle = std::max<qint64>(0, runId - 1) / qint64(kMuted.size());
    return kShapes[static_cast<std::size_t>(cycle % qint64(kShapes.size()))];
}

double WholeNumberTicker::getTickStep(const QCPRange &range)
{
    return std::max(1.0, std::round(QCPAxisTicker::getTickStep(range)));
}

int WholeNumberTicker::getSubTickCount(double tickStep)
{
    // A sub-tick between epochs would read as half an epoch.
    const auto step = static_cast<int>(tickStep);
    return step <= 5 ? step - 1 : QCPAxisTicker::getSubTickCount(tickStep);
}

QSharedPointer<QCPAxisTicker> clockTicker(double seconds)
{
    QSharedPointer<QCPAxisTickerTime> ticker(new QCPAxisTickerTime);
    ticker->setTimeFormat(seconds >= 3600 ? "%h:%m:%s" : "%m:%s");
    return ticker;
}

} // namespace normlab::gui
