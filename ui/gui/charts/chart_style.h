// How runs and axes look on every chart: one colour per run from a palette made for many series
// and for colour-blind readers, a marker shape that tells apart runs whose colours repeat, and
// axis tickers whose labels fit the unit (whole epochs and steps, clock time).
#pragma once

#include "qcustomplot_include.h"
#include "run_palette.h"

namespace normlab::gui {

// Runs whose hues repeat (every ninth id, run_palette.h) get the next shape.
QCPScatterStyle::ScatterShape runMarker(qint64 runId);
inline constexpr double kMarkerSize = 6;
// Of 255: the runs beside the one selected in the runs table, still legible.
inline constexpr int kFadedAlpha = 90;

// Ticks on whole numbers only (epochs, steps): the default ticker puts them at 0.5 and 2.5.
class WholeNumberTicker : public QCPAxisTicker
{
protected:
    double getTickStep(const QCPRange &range) override;
    int getSubTickCount(double tickStep) override;
};

// Seconds shown as m:ss, or h:mm:ss for runs over an hour.
QSharedPointer<QCPAxisTicker> clockTicker(double seconds);

// As many legend columns (up to `maxColumns`) as fit `width` with every entry whole: QCustomPlot
// squeezes a row that is too wide and cuts its names off.
int legendColumnsThatFit(QCPLegend *legend, int width, int maxColumns);

// Writes `plot` with its legend and axis labels; the format follows the suffix (.png at twice the
// size, .svg, .pdf). Returns false (and `error`) when it cannot.
bool saveChart(QCustomPlot *plot, const QString &path, const QString &title, QString *error);

} // namespace normlab::gui
