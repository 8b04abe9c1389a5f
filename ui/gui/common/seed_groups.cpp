#include "seed_groups.h"

#include "seed_grouping.h"

#include <QCoreApplication>
#include <QMap>
#include <QStringList>

namespace normlab::gui {

namespace {

QString tr(const char *text, int n = -1)
{
    return QCoreApplication::translate("SeedGroups", text, nullptr, n);
}

QString idList(const QList<RunRecord> &runs)
{
    QStringList ids;
    for (const RunRecord &r : runs)
        ids << QString::number(r.id);
    return ids.join(", ");
}

} // namespace

MeanStd meanStd(const QVector<double> &values)
{
    return normlab::meanStd(std::vector<double>(values.begin(), values.end()));
}

namespace {

QVector<double> toQt(const std::vector<double> &v)
{
    return QVector<double>(v.begin(), v.end());
}

QList<RunRecord> toQt(const std::vector<RunRecord> &v)
{
    return QList<RunRecord>(v.begin(), v.end());
}

} // namespace

// The engine groups and computes (engine/store/seed_groups); this is the charts' view of it.
SeedGrouping seedGroups(const RunStore &store, const QList<qint64> &runs)
{
    const normlab::SeedGrouping grouped =
            groupBySeed(store, std::vector<std::int64_t>(runs.begin(), runs.end()));
    SeedGrouping result;
    for (const normlab::SeedGroup &e : grouped.groups) {
        SeedGroup g;
        g.key = QString::fromStdString(e.key);
        g.members = toQt(e.members);
        g.repeats = toQt(e.repeats);
        g.epochs = toQt(e.epochs);
        g.testLoss = {toQt(e.testLoss.mean), toQt(e.testLoss.std)};
        g.testAccuracy = {toQt(e.testAccuracy.mean), toQt(e.testAccuracy.std)};
        g.trainLoss = {toQt(e.trainLoss.mean), toQt(e.trainLoss.std)};
        g.trainAccuracy = {toQt(e.trainAccuracy.mean), toQt(e.trainAccuracy.std)};
        result.groups << g;
    }
    for (const std::vector<RunRecord> &runsOfOne : grouped.repeatsOnly)
        result.repeatsOnly << toQt(runsOfOne);
    return result;
}

QString SeedGroup::name() const
{
    return QString::fromStdString(nameWithoutSeed(members.front().name));
}

QString SeedGrouping::explanation() const
{
    QStringList lines;
    for (const SeedGroup &g : groups) {
        QString line = tr("runs %1 as one band over their %2 seeds")
                               .arg(idList(g.members))
                               .arg(g.seedCount());
        if (!g.repeats.isEmpty())
            line += tr(" (%1 %2 left out: %3 the seed of a run in the band)")
                            .arg(g.repeats.size() == 1 ? tr("run") : tr("runs"), idList(g.repeats),
                                 g.repeats.size() == 1 ? tr("it repeats") : tr("each repeats"));
        lines << line;
    }
    QString text = lines.isEmpty() ? QString() : tr("Grouped: %1.").arg(lines.join("; "));
    lines.clear();
    for (const QList<RunRecord> &runs : repeatsOnly)
        lines << tr("Runs %1 have the same config and seed: repeats, not seeds, so no band.")
                         .arg(idList(runs));
    if (lines.isEmpty() && text.isEmpty())
        lines << tr("No two of the shown runs differ only by seed: nothing to group.");
    return (QStringList(text) + lines).join(' ').trimmed();
}

} // namespace normlab::gui
