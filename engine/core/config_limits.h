// The ranges validate() allows for the fields a form edits, in one place, so that the desktop
// form's fields hold every value the engine accepts (and nothing silently clamps a valid config).
#pragma once

namespace normlab::limits {

inline constexpr int kMinEpochs = 1;
inline constexpr int kMaxEpochs = 10'000;
inline constexpr int kMinBatchSize = 1;
inline constexpr int kMaxBatchSize = 65'536;
inline constexpr int kMaxThreads = 256;
inline constexpr int kMaxImageLimit = 10'000'000; // data.train_limit, data.test_limit
inline constexpr int kMinGroups = 1;
inline constexpr int kMaxGroups = 96;
inline constexpr double kMaxDropout = 0.9;
inline constexpr double kMinLr = 1e-9;
// The Stages net's switches
inline constexpr int kMaxStages = 6;
inline constexpr int kMinWidth = 1;
inline constexpr int kMaxWidth = 2048;
inline constexpr int kMaxDepth = 32;
inline constexpr int kMaxKernel = 9;
inline constexpr int kMaxExpansion = 8;
inline constexpr double kMaxLr = 10.0;
// test_time_shift: a quarter of a 32x32 image; further moves show the net mostly black border
inline constexpr int kMaxTestTimeShift = 8;

} // namespace normlab::limits
