#include "durations.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace normlab {

std::string formatDuration(double seconds)
{
    const long s = std::isfinite(seconds) ? std::lround(std::max(0.0, seconds)) : 0;
    char text[32];
    if (s >= 3600)
        std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    else
        std::snprintf(text, sizeof text, "%ld:%02ld", s / 60, s % 60);
    return text;
}

double runWallSeconds(double startedAt, double endedAt, double now)
{
    if (startedAt <= 0)
        return 0;
    return std::max(0.0, (endedAt > 0 ? endedAt : now) - startedAt);
}

std::string formatMegabytes(std::int64_t bytes)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.0f MB",
                  static_cast<double>(std::max<std::int64_t>(0, bytes)) / 1e6);
    return text;
}

std::string formatFixed(double value, int decimals)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

std::string formatCount(std::int64_t n)
{
    const std::string digits = std::to_string(n < 0 ? -n : n);
    std::string out = n < 0 ? "-" : "";
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0)
            out += ',';
        out += digits[i];
    }
    return out;
}

} // namespace normlab
