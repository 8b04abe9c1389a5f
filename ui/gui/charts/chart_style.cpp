#include "chart_style.h"

#include <QFileInfo>
#include <QSvgGenerator>

#include <algorithm>
#include <array>
#include <cmath>

namespace normlab::gui {

namespace {

// Marker shapes, one per cycle of the palette's hues (run_palette.h).
constexpr qint64 kHues = 9;

} // namespace

QCPScatterStyle::ScatterShape runMarker(qint64 runId)
{
    constexpr std::array<QCPScatterStyle::ScatterShape, 4> kShapes {
            QCPScatterStyle::ssCircle, QCPScatterStyle::ssSquare, QCPScatterStyle::ssTriangle,
            QCPScatterStyle::ssDiamond};
    const qint64 cycle = std::max<qint64>(0, runId - 1) / qint64(kHues);
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

bool saveChart(QCustomPlot *plot, const QString &path, const QString &title, QString *error)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    const int w = std::max(plot->width(), 800);
    const int h = std::max(plot->height(), 500);
    bool ok = false;
    if (suffix == "png") {
        ok = plot->savePng(path, w, h, 2.0); // twice the pixels: crisp on HiDPI and slides
    } else if (suffix == "pdf") {
        ok = plot->savePdf(path, w, h);
    } else if (suffix == "svg") {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(QSize(w, h));
        svg.setViewBox(QRect(0, 0, w, h));
        svg.setTitle(title);
        QCPPainter painter;
        ok = painter.begin(&svg);
        if (ok) {
            plot->toPainter(&painter, w, h);
            ok = painter.end();
        }
    } else {
        if (error)
            *error = QObject::tr("%1: unknown image format; use .png, .svg or .pdf").arg(path);
        return false;
    }
    if (!ok && error)
        *error = QObject::tr("%1: cannot write the file").arg(path);
    return ok;
}

int legendColumnsThatFit(QCPLegend *legend, int width, int maxColumns)
{
    const QFontMetrics metrics(legend->font());
    int widest = 0;
    for (int i = 0; i < legend->itemCount(); ++i)
        if (auto *item = qobject_cast<QCPPlottableLegendItem *>(legend->item(i)))
            widest = std::max(widest, metrics.horizontalAdvance(item->plottable()->name()));
    if (widest == 0)
        return maxColumns;
    const QMargins itemMargins = legend->item(0)->margins();
    const int entry = widest + legend->iconSize().width() + legend->iconTextPadding() +
            itemMargins.left() + itemMargins.right() + legend->columnSpacing();
    const int room = width - legend->margins().left() - legend->margins().right();
    return std::clamp(room / entry, 1, maxColumns);
}

} // namespace normlab::gui
