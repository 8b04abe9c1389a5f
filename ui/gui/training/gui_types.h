// The engine's plain value types, made known to Qt's meta-type system so queued signals can carry
// them between the training thread and the GUI thread.
#pragma once

#include "config.h"
#include "layer_stats_types.h"
#include "lr_range_test.h"
#include "metrics.h"
#include "run_store.h"
#include "trainer.h"

#include <QMetaType>

Q_DECLARE_METATYPE(normlab::BatchProgress)
Q_DECLARE_METATYPE(normlab::EpochMetrics)
Q_DECLARE_METATYPE(normlab::LayerStatsSample)
Q_DECLARE_METATYPE(std::vector<normlab::LayerHistogram>)
Q_DECLARE_METATYPE(normlab::RunState)
Q_DECLARE_METATYPE(normlab::ExperimentConfig)
Q_DECLARE_METATYPE(normlab::LrRangeTestOptions)
Q_DECLARE_METATYPE(normlab::LrRangePoint)
Q_DECLARE_METATYPE(normlab::LrRangeResult)
