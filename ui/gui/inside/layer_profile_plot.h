// A statistic along the network's depth, one line per run (or per seed group: its mean and a band
// of one standard deviation) at a chosen epoch: BatchNorm, GroupNorm and LayerNorm side by side.
#pragma once

#include "inside_plot.h"

#include <QList>
#include <QStringList>
#include <QVector>

namespace normlab::gui {

struct LayerProfile
{
    QString name;
    QColor color;
    qint64 markerRun = 0; // the run whose marker shape the line takes
    QVector<double> values; // by layer; NaN where none
    QVector<double> std; // a seed group's spread, by layer; empty for one run
};

class LayerProfilePlot : public InsidePlot
{
    Q_OBJECT

public:
    explicit LayerProfilePlot(QWidget *parent = nullptr);

    // `logScale` applies where every value is positive.
    void setProfiles(const QStringList &layers, const QList<LayerProfile> &profiles,
                     const QString &title, const QString &yLabel, bool logScale);
    void showMessage(const QString &text);

    // The lines drawn, one per profile (bands are extra graphs, not counted).
    QList<QCPGraph *> lines() const { return m_lines; }

private:
    QList<QCPGraph *> m_lines;
};

} // namespace normlab::gui
