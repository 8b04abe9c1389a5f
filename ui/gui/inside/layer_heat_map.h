// One statistic of one run as a heat map: a row per conv block (depth downwards), a column per
// epoch, viridis colours with their scale; hovering a cell names its layer, epoch and value.
#pragma once

#include "inside_plot.h"
#include "layer_stat_table.h"

namespace normlab::gui {

class LayerHeatMap : public InsidePlot
{
    Q_OBJECT

public:
    explicit LayerHeatMap(QWidget *parent = nullptr);

    // `logScale` applies where every value is positive.
    void setTable(const LayerStatTable &table, const QString &title, bool logScale);
    // Shown instead of a map (no run, nothing recorded).
    void showMessage(const QString &text);

    QCPColorMap *colorMap() const { return m_map; }
    const LayerStatTable &table() const { return m_table; }
    // The text a hover over (epoch, layer) shows; empty outside the map.
    QString cellText(double epoch, double layer) const;

protected:
    void mouseMoveEvent(QMouseEvent *event) override;

private:
    QCPColorMap *m_map;
    QCPColorScale *m_scale;
    LayerStatTable m_table;
};

} // namespace normlab::gui
