// One colour per run, the same in every view (charts, runs table, comparison): Paul Tol's "muted"
// qualitative scheme, made for many series and colour-blind readers, in a fixed order, so run ids
// 1 to 9 (and any nine consecutive ids) differ in hue; ids 10 to 18 and 19 to 27 take the same
// hues darker, so 27 runs in a row have 27 colours. Every colour has a contrast of at least
// kMinimumContrast against white, so a thin train line stays visible (Tol's sand and pale cyan,
// 1.6 and 1.9, are darkened to it).
#pragma once

#include <QColor>

namespace normlab::gui {

constexpr double kMinimumContrast = 2.5;

QColor runColor(qint64 runId);

// WCAG 2's contrast ratio of two colours, from 1 (none) to 21 (black on white).
double contrastRatio(const QColor &a, const QColor &b);

} // namespace normlab::gui
