// Ridge lines: one conv block's output histogram at each epoch's end, stacked from the first epoch
// (top) to the last (bottom), each scaled to the same peak height per unit of density, so the
// shape's drift (widening, shifting, piling up at zero) reads down the stack.
#pragma once

#include "inside_plot.h"
#include "layer_stats_types.h"

#include <vector>

namespace normlab::gui {

class RidgePlot : public InsidePlot
{
    Q_OBJECT

public:
    explicit RidgePlot(QWidget *parent = nullptr);

    // One layer's histograms, any order.
    void setHistograms(std::vector<LayerHistogram> histograms, const QString &title);
    void showMessage(const QString &text);

    // The ridges drawn, top (first epoch) to bottom.
    QList<QCPGraph *> ridges() const { return m_ridges; }

private:
    QList<QCPGraph *> m_ridges;
};

} // namespace normlab::gui
