// Durations, memory sizes and counts as every view writes them, so the GUI, the CLI and the reports agree
// to the second and to the megabyte.
#pragma once

#include <cstdint>
#include <string>

namespace normlab {

// "0:42", "12:05", "1:02:03": rounded to the nearest second, negative as 0.
std::string formatDuration(double seconds);

// How long a run has taken by the wall clock: from its start to its end, or to `now` while it
// runs; 0 before it started.
double runWallSeconds(double startedAt, double endedAt, double now);

// "569 MB": decimal megabytes (10^6 bytes), rounded, as `runs show` has always printed them.
std::string formatMegabytes(std::int64_t bytes);

// "76.99": `decimals` digits after the point, as the reports print accuracies.
std::string formatFixed(double value, int decimals);

// "48,552": thousands separated with commas, as the CLI and the reports print counts.
std::string formatCount(std::int64_t n);

} // namespace normlab
