// Runs that differ only by seed, and their statistics: what the charts' "Group seeds" bands and the
// comparison table summarise.
#pragma once

#include "run_store.h"

#include <QList>
#include <QString>
#include <QVector>

namespace normlab::gui {

struct MeanStd
{
    double mean = 0;
    double std = 0; // sample standard deviation; 0 for a single value
};
MeanStd meanStd(const QVector<double> &values);

struct SeedGroup
{
    QString key; // the shared config without seed and name
    QList<RunRecord> members;
    QVector<double> epochs; // each epoch any member reached
    QVector<MeanStd> testLoss, testAccuracy; // per epoch, over the members that reached it
};

// Groups of two or more of `runs` whose configs are equal once seed and name are left out.
QList<SeedGroup> seedGroups(const RunStore &store, const QList<qint64> &runs);

// "1:05" or "1:02:03".
QString clockText(double seconds);

} // namespace normlab::gui
