#include "training_clock.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace normlab::gui {

void TrainingClock::addSpan(double start, double end)
{
    if (!std::isfinite(start) || !std::isfinite(end) || end < start)
        return;
    // The common case: a live run extends its last span, or starts the next one.
    auto first = std::lower_bound(m_spans.begin(), m_spans.end(), start,
                                  [](const Span &s, double t) { return s.end < t; });
    auto last = std::upper_bound(first, m_spans.end(), end,
                                 [](double t, const Span &s) { return t < s.start; });
    if (first != last) { // merge every span it touches
        start = std::min(start, first->start);
        end = std::max(end, std::prev(last)->end);
    }
    const auto at = m_spans.erase(first, last);
    const auto index = static_cast<std::size_t>(at - m_spans.begin());
    m_spans.insert(at, Span {start, end, 0});
    recount(index);
}

void TrainingClock::recount(std::size_t from)
{
    for (std::size_t i = from; i < m_spans.size(); ++i)
        m_spans[i].before =
                i == 0 ? 0 : m_spans[i - 1].before + (m_spans[i - 1].end - m_spans[i - 1].start);
}

double TrainingClock::at(double unixTime) const
{
    if (m_spans.empty() || !std::isfinite(unixTime))
        return std::numeric_limits<double>::quiet_NaN();
    // The last span that started at or before the moment.
    auto it = std::upper_bound(m_spans.begin(), m_spans.end(), unixTime,
                               [](double t, const Span &s) { return t < s.start; });
    if (it == m_spans.begin())
        return 0;
    --it;
    return it->before + (std::min(unixTime, it->end) - it->start);
}

} // namespace normlab::gui
