// The report's pictures drawn with cairo: line charts (the loss and accuracy curves of several
// runs overlaid) and confusion matrices, as PNG at twice their display size so they stay sharp on
// high-density screens and in print.
#pragma once

#include "mistake_grid.h" // PngImage

#include <string>
#include <vector>

namespace normlab {

constexpr int kChartPixelRatio = 2;

struct ChartColour
{
    double r = 0, g = 0, b = 0; // 0..1
};

// Matplotlib's ten-colour cycle, so that runs look as they would in a notebook.
ChartColour chartColour(std::size_t index);

struct ChartSeries
{
    std::vector<double> x, y;
    ChartColour colour;
    bool dashed = false;
};

struct ChartPanel
{
    std::string title, xLabel, yLabel;
    std::vector<ChartSeries> series;
};

struct LegendEntry
{
    std::string label;
    ChartColour colour;
    bool dashed = false;
};

// Panels side by side (each panelWidth x panelHeight display pixels), the legend in rows below.
PngImage renderLineCharts(const std::vector<ChartPanel> &panels,
                          const std::vector<LegendEntry> &legend, int panelWidth = 540,
                          int panelHeight = 340);

// A classes x classes matrix (row-major, row = true class) as shaded cells with their counts;
// each row shaded by its share of the row, so classes of any size compare.
PngImage renderConfusionMatrix(const std::vector<int> &confusion,
                               const std::vector<std::string> &classNames,
                               const std::string &title);

} // namespace normlab
