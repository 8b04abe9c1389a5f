#include "seed_groups.h"

#include "errors.h"

#include <nlohmann/json.hpp>

#include <QMap>

#include <cmath>

namespace normlab::gui {

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

QList<SeedGroup> seedGroups(const RunStore &store, const QList<qint64> &runs)
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
    QList<SeedGroup> groups;
    for (auto it = byConfig.cbegin(); it != byConfig.cend(); ++it) {
        if (it.value().size() < 2)
            continue;
        SeedGroup g {it.key(), it.value(), {}, {}, {}};
        QMap<int, QVector<double>> loss, accuracy;
        for (const RunRecord &r : g.members)
            for (const EpochMetrics &m : store.epochs(r.id)) {
                loss[m.epoch] << m.testLoss;
                accuracy[m.epoch] << m.testAccuracy;
            }
        for (auto e = loss.cbegin(); e != loss.cend(); ++e) {
            g.epochs << e.key();
            g.testLoss << meanStd(e.value());
            g.testAccuracy << meanStd(accuracy.value(e.key()));
        }
        groups << g;
    }
    return groups;
}

QString clockText(double seconds)
{
    const auto s = static_cast<qint64>(seconds);
    return s >= 3600 ? QString("%1:%2:%3")
                               .arg(s / 3600)
                               .arg(s / 60 % 60, 2, 10, QChar('0'))
                               .arg(s % 60, 2, 10, QChar('0'))
                     : QString("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
}

} // namespace normlab::gui
