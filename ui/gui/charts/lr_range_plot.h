// The learning-rate range test as a chart: the batch loss (faint) and its smoothed curve against
// the learning rate on a log axis, the suggestion marked with a line and its value. Points arrive
// at any rate; the plot redraws at most every 100 ms.
#pragma once

#include "metrics.h"

#include <QTimer>
#include <QWidget>

#include <optional>

class QCustomPlot;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;

namespace normlab::gui {

class LrRangePlot : public QWidget
{
    Q_OBJECT

public:
    explicit LrRangePlot(QWidget *parent = nullptr);

    void clear();
    void addPoint(const LrRangePoint &point);
    // Marks the suggested learning rate, or removes the mark.
    void setSuggestion(std::optional<double> lr);
    int pointCount() const;
    QCustomPlot *plot() const { return m_plot; }
    // Redraws now if anything changed (the timer calls this).
    void flush();

private:
    QCustomPlot *m_plot;
    QCPGraph *m_raw;
    QCPGraph *m_smoothed;
    QCPItemStraightLine *m_mark;
    QCPItemText *m_markText;
    QTimer m_replotTimer;
    bool m_dirty = false;
};

} // namespace normlab::gui
