// What the process costs, for the per-epoch record: CPU time, resident memory, wall-clock time.
#pragma once

#include <cstdint>

namespace normlab {

double processCpuSeconds(); // user + system, all threads
std::int64_t processResidentBytes(); // current, not the peak
double unixTime(); // seconds since the epoch, with sub-second precision

} // namespace normlab
