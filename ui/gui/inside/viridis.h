// Matplotlib's viridis: a colour scale whose lightness rises evenly, readable by colour-blind
// people and in greyscale print; the Inside tab's heat map and ridge lines use it.
#pragma once

#include "qcustomplot_include.h"

namespace normlab::gui {

// The Inside tab's three plots side by side still fit a 1,024 px window beside the form.
constexpr int kPlotMinimumWidth = 150;
constexpr int kPlotMinimumHeight = 180;

QCPColorGradient viridisGradient();
// The colour at `t` in [0, 1].
QColor viridis(double t);

} // namespace normlab::gui
