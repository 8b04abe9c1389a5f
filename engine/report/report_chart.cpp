#include "report_chart.h"

#include <cairo.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>

namespace normlab {

namespace {

constexpr const char *kFont = "DejaVu Sans";
constexpr double kFontSize = 12;
constexpr double kTitleSize = 13.5;
constexpr double kMarginLeft = 58, kMarginRight = 16, kMarginTop = 30, kMarginBottom = 44;
constexpr double kLegendRowHeight = 20;
constexpr double kLegendSwatch = 26;
constexpr double kLineWidth = 1.8;

using Surface = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;
using Context = std::unique_ptr<cairo_t, decltype(&cairo_destroy)>;

struct Canvas
{
    Surface surface;
    Context context;
    cairo_t *cr() const { return context.get(); }
};

// A white picture of width x height display pixels, drawn at kChartPixelRatio.
Canvas whiteCanvas(double width, double height)
{
    Surface surface(cairo_image_surface_create(
                            CAIRO_FORMAT_RGB24, static_cast<int>(std::ceil(width * kChartPixelRatio)),
                            static_cast<int>(std::ceil(height * kChartPixelRatio))),
                    cairo_surface_destroy);
    Context context(cairo_create(surface.get()), cairo_destroy);
    cairo_scale(context.get(), kChartPixelRatio, kChartPixelRatio);
    cairo_set_source_rgb(context.get(), 1, 1, 1);
    cairo_paint(context.get());
    return {std::move(surface), std::move(context)};
}

// Where text is measured before the picture's size is known.
Canvas measuringCanvas()
{
    Surface surface(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1), cairo_surface_destroy);
    Context context(cairo_create(surface.get()), cairo_destroy);
    return {std::move(surface), std::move(context)};
}

cairo_status_t appendBytes(void *closure, const unsigned char *data, unsigned int length)
{
    auto *bytes = static_cast<std::vector<std::uint8_t> *>(closure);
    bytes->insert(bytes->end(), data, data + length);
    return CAIRO_STATUS_SUCCESS;
}

PngImage encode(cairo_surface_t *surface)
{
    PngImage png;
    cairo_surface_flush(surface);
    if (cairo_surface_write_to_png_stream(surface, appendBytes, &png.bytes) != CAIRO_STATUS_SUCCESS)
        return {};
    png.width = cairo_image_surface_get_width(surface);
    png.height = cairo_image_surface_get_height(surface);
    return png;
}

void setColour(cairo_t *cr, const ChartColour &c, double alpha = 1.0)
{
    cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
}

double textWidth(cairo_t *cr, const std::string &text)
{
    cairo_text_extents_t extents;
    cairo_text_extents(cr, text.c_str(), &extents);
    return extents.x_advance;
}

// Draws `text` with its left (align 0), centre (0.5) or right (1) at x, its baseline at y.
void drawText(cairo_t *cr, const std::string &text, double x, double y, double align = 0)
{
    cairo_move_to(cr, x - align * textWidth(cr, text), y);
    cairo_show_text(cr, text.c_str());
}

// 1, 2 or 5 times a power of ten: about `target` steps across the range.
double niceStep(double range, int target)
{
    if (!(range > 0))
        return 1;
    const double raw = range / target;
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double m : {1.0, 2.0, 5.0})
        if (raw <= m * power)
            return m * power;
    return 10 * power;
}

std::string tickLabel(double value, double step)
{
    const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
    char text[32];
    std::snprintf(text, sizeof text, "%.*f", decimals, value == 0 ? 0.0 : value);
    return text;
}

struct Range
{
    double lo = std::numeric_limits<double>::infinity();
    double hi = -std::numeric_limits<double>::infinity();
    void add(double v)
    {
        if (std::isfinite(v)) {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    }
    bool empty() const { return !(lo <= hi); }
};

void drawPanel(cairo_t *cr, const ChartPanel &panel, double left, double top, double width,
               double height)
{
    Range xr, yr;
    for (const ChartSeries &s : panel.series) {
        for (const double x : s.x)
            xr.add(x);
        for (const double y : s.y)
            yr.add(y);
    }
    if (xr.empty()) {
        xr = {0, 1};
        yr = {0, 1};
    }
    if (xr.hi == xr.lo)
        xr.hi = xr.lo + 1;
    if (yr.hi == yr.lo)
        yr = {yr.lo - 0.5, yr.hi + 0.5};
    const double xStep = niceStep(xr.hi - xr.lo, 8);
    const double yStep = niceStep(yr.hi - yr.lo, 6);
    xr.lo = std::floor(xr.lo / xStep) * xStep;
    xr.hi = std::ceil(xr.hi / xStep) * xStep;
    yr.lo = std::floor(yr.lo / yStep) * yStep;
    yr.hi = std::ceil(yr.hi / yStep) * yStep;

    const double plotLeft = left + kMarginLeft, plotTop = top + kMarginTop;
    const double plotWidth = width - kMarginLeft - kMarginRight;
    const double plotHeight = height - kMarginTop - kMarginBottom;
    const auto px = [&](double x) { return plotLeft + (x - xr.lo) / (xr.hi - xr.lo) * plotWidth; };
    const auto py = [&](double y) {
        return plotTop + plotHeight - (y - yr.lo) / (yr.hi - yr.lo) * plotHeight;
    };

    cairo_select_font_face(cr, kFont, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, kTitleSize);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.12);
    drawText(cr, panel.title, plotLeft + plotWidth / 2, top + 19, 0.5);
    cairo_select_font_face(cr, kFont, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, kFontSize);

    // Grid and tick labels.
    cairo_set_line_width(cr, 1);
    for (double y = yr.lo; y <= yr.hi + yStep / 2; y += yStep) {
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.92);
        cairo_move_to(cr, plotLeft, std::round(py(y)) + 0.5);
        cairo_line_to(cr, plotLeft + plotWidth, std::round(py(y)) + 0.5);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.33);
        drawText(cr, tickLabel(y, yStep), plotLeft - 6, py(y) + 4, 1);
    }
    for (double x = xr.lo; x <= xr.hi + xStep / 2; x += xStep) {
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.92);
        cairo_move_to(cr, std::round(px(x)) + 0.5, plotTop);
        cairo_line_to(cr, std::round(px(x)) + 0.5, plotTop + plotHeight);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.33);
        drawText(cr, tickLabel(x, xStep), px(x), plotTop + plotHeight + 16, 0.5);
    }
    cairo_set_source_rgb(cr, 0.45, 0.45, 0.5);
    cairo_rectangle(cr, plotLeft + 0.5, plotTop + 0.5, plotWidth, plotHeight);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.22);
    drawText(cr, panel.xLabel, plotLeft + plotWidth / 2, top + height - 8, 0.5);
    cairo_save(cr);
    cairo_translate(cr, left + 14, plotTop + plotHeight / 2);
    cairo_rotate(cr, -M_PI / 2);
    drawText(cr, panel.yLabel, 0, 0, 0.5);
    cairo_restore(cr);

    // The curves, clipped to the plot.
    cairo_save(cr);
    cairo_rectangle(cr, plotLeft, plotTop, plotWidth, plotHeight);
    cairo_clip(cr);
    cairo_set_line_width(cr, kLineWidth);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    for (const ChartSeries &s : panel.series) {
        const std::array<double, 2> dashes {5, 3.5};
        cairo_set_dash(cr, dashes.data(), s.dashed ? 2 : 0, 0);
        setColour(cr, s.colour, s.dashed ? 0.75 : 1.0);
        bool drawing = false;
        for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
            if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) {
                drawing = false;
                continue;
            }
            if (drawing)
                cairo_line_to(cr, px(s.x[i]), py(s.y[i]));
            else
                cairo_move_to(cr, px(s.x[i]), py(s.y[i]));
            drawing = true;
        }
        cairo_stroke(cr);
        if (s.x.size() == 1 && s.y.size() == 1) { // one epoch: a dot, not an invisible line
            cairo_arc(cr, px(s.x[0]), py(s.y[0]), 2.5, 0, 2 * M_PI);
            cairo_fill(cr);
        }
    }
    cairo_set_dash(cr, nullptr, 0, 0);
    cairo_restore(cr);
}

} // namespace

ChartColour chartColour(std::size_t index)
{
    static constexpr std::array<ChartColour, 10> kTab10 {{
            {0.122, 0.467, 0.706}, {1.000, 0.498, 0.055}, {0.173, 0.627, 0.173},
            {0.839, 0.153, 0.157}, {0.580, 0.404, 0.741}, {0.549, 0.337, 0.294},
            {0.890, 0.467, 0.761}, {0.498, 0.498, 0.498}, {0.737, 0.741, 0.133},
            {0.090, 0.745, 0.812},
    }};
    return kTab10[index % kTab10.size()];
}

PngImage renderLineCharts(const std::vector<ChartPanel> &panels,
                          const std::vector<LegendEntry> &legend, int panelWidth,
                          int panelHeight)
{
    if (panels.empty())
        return {};
    const double width = static_cast<double>(panelWidth) * static_cast<double>(panels.size());
    // Lay the legend out first: its rows decide the picture's height.
    const Canvas measure = measuringCanvas();
    cairo_select_font_face(measure.cr(), kFont, CAIRO_FONT_SLANT_NORMAL,
                           CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(measure.cr(), kFontSize);
    struct Placed
    {
        double x, row;
    };
    std::vector<Placed> placed;
    double x = kMarginLeft, row = 0;
    for (const LegendEntry &e : legend) {
        const double w = kLegendSwatch + 6 + textWidth(measure.cr(), e.label) + 18;
        if (x + w > width - kMarginRight && x > kMarginLeft) {
            x = kMarginLeft;
            ++row;
        }
        placed.push_back({x, row});
        x += w;
    }
    const double legendHeight = legend.empty() ? 0 : (row + 1) * kLegendRowHeight + 8;
    const double height = panelHeight + legendHeight;

    const Canvas canvas = whiteCanvas(width, height);
    cairo_t *cr = canvas.cr();
    for (std::size_t i = 0; i < panels.size(); ++i)
        drawPanel(cr, panels[i], static_cast<double>(i) * panelWidth, 0, panelWidth, panelHeight);

    cairo_select_font_face(cr, kFont, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, kFontSize);
    for (std::size_t i = 0; i < legend.size(); ++i) {
        const double y = panelHeight + placed[i].row * kLegendRowHeight + 10;
        const std::array<double, 2> dashes {5, 3.5};
        cairo_set_dash(cr, dashes.data(), legend[i].dashed ? 2 : 0, 0);
        cairo_set_line_width(cr, kLineWidth + 0.4);
        setColour(cr, legend[i].colour);
        cairo_move_to(cr, placed[i].x, y);
        cairo_line_to(cr, placed[i].x + kLegendSwatch, y);
        cairo_stroke(cr);
        cairo_set_dash(cr, nullptr, 0, 0);
        cairo_set_source_rgb(cr, 0.15, 0.15, 0.17);
        drawText(cr, legend[i].label, placed[i].x + kLegendSwatch + 6, y + 4);
    }
    return encode(canvas.surface.get());
}

PngImage renderConfusionMatrix(const std::vector<int> &confusion,
                               const std::vector<std::string> &classNames,
                               const std::string &title)
{
    const std::size_t n = classNames.size();
    if (n == 0 || confusion.size() != n * n)
        return {};
    constexpr double kCell = 34, kTop = 34, kBottom = 16, kRight = 12;
    const Canvas measure = measuringCanvas();
    cairo_select_font_face(measure.cr(), kFont, CAIRO_FONT_SLANT_NORMAL,
                           CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(measure.cr(), kFontSize - 1);
    double labelWidth = 0;
    for (const std::string &name : classNames)
        labelWidth = std::max(labelWidth, textWidth(measure.cr(), name));
    const double left = labelWidth + 34; // names, then the rotated "true" axis title
    const double gridTop = kTop + labelWidth + 10; // column names written upwards
    const double width = left + kCell * static_cast<double>(n) + kRight;
    const double height = gridTop + kCell * static_cast<double>(n) + kBottom + 16;

    const Canvas canvas = whiteCanvas(width, height);
    cairo_t *cr = canvas.cr();

    cairo_select_font_face(cr, kFont, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, kTitleSize);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.12);
    drawText(cr, title, 8, 20);
    cairo_select_font_face(cr, kFont, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, kFontSize - 1);
    const double gridSize = kCell * static_cast<double>(n);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.33);
    drawText(cr, "predicted", left + gridSize / 2, kTop + 2, 0.5);
    cairo_save(cr);
    cairo_translate(cr, 14, gridTop + gridSize / 2);
    cairo_rotate(cr, -M_PI / 2);
    drawText(cr, "true", 0, 0, 0.5);
    cairo_restore(cr);
    for (std::size_t i = 0; i < n; ++i) {
        cairo_set_source_rgb(cr, 0.2, 0.2, 0.22);
        drawText(cr, classNames[i], left - 6, gridTop + kCell * (static_cast<double>(i) + 0.5) + 4,
                 1);
        cairo_save(cr);
        cairo_translate(cr, left + kCell * (static_cast<double>(i) + 0.5) + 4, gridTop - 6);
        cairo_rotate(cr, -M_PI / 2);
        drawText(cr, classNames[i], 0, 0);
        cairo_restore(cr);
    }
    const ChartColour hit {0.122, 0.467, 0.706}, miss {0.839, 0.153, 0.157};
    for (std::size_t t = 0; t < n; ++t) {
        double rowTotal = 0;
        for (std::size_t p = 0; p < n; ++p)
            rowTotal += confusion[t * n + p];
        for (std::size_t p = 0; p < n; ++p) {
            const int count = confusion[t * n + p];
            const double share = rowTotal > 0 ? count / rowTotal : 0;
            const double x = left + kCell * static_cast<double>(p);
            const double y = gridTop + kCell * static_cast<double>(t);
            // Mistakes are rarer than hits: a square root keeps a 5 % confusion visible.
            const double shade = t == p ? share : std::min(1.0, std::sqrt(share) * 1.4);
            setColour(cr, t == p ? hit : miss, 0.08 + 0.85 * shade);
            cairo_rectangle(cr, x, y, kCell, kCell);
            cairo_fill(cr);
            if (shade > 0.55)
                cairo_set_source_rgb(cr, 1, 1, 1);
            else
                cairo_set_source_rgb(cr, 0.15, 0.15, 0.17);
            drawText(cr, std::to_string(count), x + kCell / 2, y + kCell / 2 + 4, 0.5);
        }
    }
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.65);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, left + 0.5, gridTop + 0.5, gridSize, gridSize);
    cairo_stroke(cr);
    return encode(canvas.surface.get());
}

} // namespace normlab
