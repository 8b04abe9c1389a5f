// TensorBoard's scalar smoothing: an exponential moving average, debiased so the first points are
// not pulled towards zero. weight 0 leaves the data as it is; 0.99 smooths hard.
#pragma once

#include <QVector>

namespace normlab::gui {

QVector<double> debiasedEma(const QVector<double> &values, double weight);

} // namespace normlab::gui
