// Summary statistics over runs, as every view reports them (the comparison tab, the charts' seed
// bands, `normlab-cli runs compare`, reports).
#pragma once

#include <string>
#include <vector>

namespace normlab {

struct MeanStd
{
    double mean = 0;
    double std = 0; // sample standard deviation (n - 1); 0 for a single value
};

MeanStd meanStd(const std::vector<double> &values);

// "76.81 ± 0.54", or the value alone for one: `decimals` digits, `unit` appended to each number.
std::string formatMeanStd(const std::vector<double> &values, int decimals,
                          const std::string &unit = {});

} // namespace normlab
