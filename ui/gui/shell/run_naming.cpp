#include "run_naming.h"

#include "sweep_plan.h"

namespace normlab::gui {

QString defaultRunName(const ExperimentConfig &c, bool withSeed)
{
    return QString::fromStdString(runNameInWords(c, withSeed));
}

} // namespace normlab::gui
