#include "run_naming.h"

#include <QObject>

namespace normlab::gui {

QString defaultRunName(const ExperimentConfig &c, bool withSeed)
{
    QString net = QString::fromStdString(c.preset.empty() ? "custom" : c.preset);
    if (net.startsWith("s8-"))
        net = "s8";
    QString norm;
    switch (c.model.norm) {
    case NormKind::Batch: norm = "BatchNorm"; break;
    case NormKind::Group: norm = "GroupNorm"; break;
    case NormKind::Layer: norm = "LayerNorm"; break;
    case NormKind::Instance: norm = "InstanceNorm"; break;
    case NormKind::None: norm = QObject::tr("no norm"); break;
    }
    QString name = net + " " + norm;
    if (withSeed)
        name += QObject::tr(", seed %1").arg(c.seed);
    return name;
}

} // namespace normlab::gui
