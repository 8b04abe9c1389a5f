#include "seed_groups.h"

#include "errors.h"

#include <nlohmann/json.hpp>

#include <QRegularExpression>

#include <QCoreApplication>
#include <QMap>
#include <QStringList>

#include <cmath>

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

// Of runs with one seed, the one to keep: the furthest trained, the newest of those.
bool preferred(const RunRecord &a, const RunRecord &b)
{
    return a.epochsDone != b.epochsDone ? a.epochsDone > b.epochsDone : a.id > b.id;
}

} // namespace

MeanStd meanStd(const QVector<double> &values)
{
    MeanStd s;
    if (values.isEmpty())
        return s;
    for (const double v : values)
        s.mean += v;
    s.mean /= values.size();
    if (values.size() > 1) {
        for (const double v : values)
            s.std += (v - s.mean) * (v - s.mean);
        s.std = std::sqrt(s.std / (values.size() - 1));
    }
    return s;
}

SeedGrouping seedGroups(const RunStore &store, const QList<qint64> &runs)
{
    QMap<QString, QList<RunRecord>> byConfig;
    for (const qint64 id : runs) {
        try {
            RunRecord r = store.run(id);
            nlohmann::json config = nlohmann::json::parse(r.configJson, nullptr, false);
            if (!config.is_object())
                continue;
            config.erase("seed");
            config.erase("name");
            byConfig[QString::fromStdString(config.dump())].append(std::move(r));
        } catch (const StoreError &) {
            // deleted meanwhile
        }
    }
    SeedGrouping result;
    for (auto it = byConfig.cbegin(); it != byConfig.cend(); ++it) {
        if (it.value().size() < 2)
            continue;
        QMap<std::uint64_t, QList<RunRecord>> bySeed;
        for (const RunRecord &r : it.value())
            bySeed[r.seed].append(r);
        SeedGroup g;
        g.key = it.key();
        for (QList<RunRecord> same : bySeed) {
            std::sort(same.begin(), same.end(), preferred);
            g.members << same.takeFirst();
            g.repeats << same;
        }
        if (g.members.size() < 2) {
            result.repeatsOnly << it.value();
            continue;
        }
        std::sort(g.members.begin(), g.members.end(),
                  [](const RunRecord &a, const RunRecord &b) { return a.id < b.id; });
        struct Values
        {
            QVector<double> testLoss, testAccuracy, trainLoss, trainAccuracy;
        };
        QMap<int, Values> byEpoch;
        for (const RunRecord &r : g.members)
            for (const EpochMetrics &m : store.epochs(r.id)) {
                Values &v = byEpoch[m.epoch];
                v.testLoss << m.testLoss;
                v.testAccuracy << m.testAccuracy;
                v.trainLoss << m.trainLoss;
                v.trainAccuracy << m.trainAccuracy;
            }
        for (auto e = byEpoch.cbegin(); e != byEpoch.cend(); ++e) {
            g.epochs << e.key();
            for (const auto &[stats, values] : {std::pair {&g.testLoss, &e->testLoss},
                                                std::pair {&g.testAccuracy, &e->testAccuracy},
                                                std::pair {&g.trainLoss, &e->trainLoss},
                                                std::pair {&g.trainAccuracy, &e->trainAccuracy}}) {
                const MeanStd s = meanStd(*values);
                stats->mean << s.mean;
                stats->std << s.std;
            }
        }
        result.groups << g;
    }
    return result;
}

QString SeedGroup::name() const
{
    // "s8-bn norm=batch seed=1" and "s8 GroupNorm, seed 2" name one member, not the group.
    static const QRegularExpression seed(QStringLiteral(R"([,;]?\s*\bseed\s*[= ]\s*\d+\b)"),
                                         QRegularExpression::CaseInsensitiveOption);
    const QString first = QString::fromStdString(members.front().name);
    const QString name = QString(first).remove(seed).trimmed();
    return name.isEmpty() ? first : name;
}

QString SeedGrouping::explanation() const
{
    QStringList lines;
    for (const SeedGroup &g : groups) {
        QString line = tr("runs %1 as one band over their %2 seeds").arg(idList(g.members)).arg(g.seedCount());
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
