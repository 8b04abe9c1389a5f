#include "statistics.h"

#include <cmath>
#include <cstdio>

namespace normlab {

MeanStd meanStd(const std::vector<double> &values)
{
    MeanStd s;
    if (values.empty())
        return s;
    for (const double v : values)
        s.mean += v;
    s.mean /= static_cast<double>(values.size());
    if (values.size() > 1) {
        for (const double v : values)
            s.std += (v - s.mean) * (v - s.mean);
        s.std = std::sqrt(s.std / static_cast<double>(values.size() - 1));
    }
    return s;
}

std::string formatMeanStd(const std::vector<double> &values, int decimals, const std::string &unit)
{
    if (values.empty())
        return "-";
    const MeanStd s = meanStd(values);
    char text[96];
    if (values.size() == 1)
        std::snprintf(text, sizeof text, "%.*f%s", decimals, s.mean, unit.c_str());
    else
        std::snprintf(text, sizeof text, "%.*f ± %.*f%s", decimals, s.mean, decimals, s.std,
                      unit.c_str());
    return text;
}

} // namespace normlab
