// What the run store's tests share: a made-up epoch, a new run's record, a state's name.
#pragma once

#include "run_store.h"

#include <QString>

namespace normlab::test {

inline EpochMetrics fakeEpoch(int epoch, int classes = 3)
{
    EpochMetrics m;
    m.epoch = epoch;
    m.trainLoss = 2.0 / epoch;
    m.trainAccuracy = 30.0 + epoch;
    m.testLoss = 1.5 / epoch;
    m.testAccuracy = 40.0 + 2 * epoch;
    m.lr = 0.01;
    m.seconds = 1.5;
    m.trainImagesPerSecond = 900;
    m.evalImagesPerSecond = 5000;
    m.processCpuSeconds = 10.0 * epoch;
    m.residentBytes = 123'456'789;
    m.wallTime = 1.7e9 + epoch;
    m.best = true;
    m.confusion.assign(static_cast<std::size_t>(classes * classes), epoch);
    m.misclassified = {{7, 0, 1, 0.75f}, {42, 2, 0, 0.5f}};
    return m;
}

inline QString stateOf(const RunRecord &r)
{
    return QString::fromStdString(toString(r.state));
}

inline NewRun newRun(const std::string &name)
{
    return {name, R"({"preset":"s8-bn","model":{"norm":"batch"},"epochs":3})", 1, {"base"}, {}, {}};
}

} // namespace normlab::test
