// The charts' view of the engine's seed groups (engine/store/seed_groups: runs that differ only by
// seed, their per-epoch mean and std): the same, in Qt's containers, with the sentence that says
// what was grouped.
#pragma once

#include "run_store.h"
#include "statistics.h"

#include <QList>
#include <QString>
#include <QVector>

namespace normlab::gui {

using normlab::MeanStd;
MeanStd meanStd(const QVector<double> &values);

struct SeriesStats
{
    QVector<double> mean, std;
};

struct SeedGroup
{
    QString key; // the shared config without seed and name
    QList<RunRecord> members; // one run per seed, in id order
    QList<RunRecord> repeats; // left out: another member has their seed
    QVector<double> epochs; // each epoch any member reached
    // Per epoch, over the members that reached it.
    SeriesStats testLoss, testAccuracy, trainLoss, trainAccuracy;
    int seedCount() const { return static_cast<int>(members.size()); }
    // The first member's name without its seed ("s8-bn norm=batch seed=1" -> "s8-bn norm=batch").
    QString name() const;
};

struct SeedGrouping
{
    QList<SeedGroup> groups; // two or more seeds each
    // Same config and seed only: nothing to average, so drawn run by run.
    QList<QList<RunRecord>> repeatsOnly;
    // One line for the user: what was grouped, what was left out and why; empty when nothing
    // needs saying.
    QString explanation() const;
};

// Groups `runs` whose configs are equal once seed and name are left out.
SeedGrouping seedGroups(const RunStore &store, const QList<qint64> &runs);

} // namespace normlab::gui
