#include "smoothing.h"

#include <cmath>

namespace normlab::gui {

QVector<double> debiasedEma(const QVector<double> &values, double weight)
{
    if (weight <= 0)
        return values;
    QVector<double> out;
    out.reserve(values.size());
    double last = 0;
    int finite = 0;
    for (const double v : values) {
        if (!std::isfinite(v)) {
            out.append(v); // gaps stay gaps, as in TensorBoard
            continue;
        }
        last = last * weight + (1 - weight) * v;
        ++finite;
        const double debias = 1 - std::pow(weight, finite);
        out.append(last / debias);
    }
    return out;
}

} // namespace normlab::gui
