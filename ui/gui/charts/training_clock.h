// A run's training time: the seconds it spent training up to a moment, not counting the time it
// sat stopped between a stop and a resume. The runs table's Time is the same clock (the recorded
// epochs' seconds), so "by time" the charts end where the table says the run ended.
#pragma once

#include <vector>

namespace normlab::gui {

class TrainingClock
{
public:
    // The run trained from `start` to `end` (Unix seconds): an epoch's training and evaluation,
    // or the part of an epoch seen so far. Overlapping spans count once.
    void addSpan(double start, double end);
    // Seconds of training before `unixTime`: within a span, up to that moment; between spans
    // (stopped), where the last one before it ended. NaN before any span is known.
    double at(double unixTime) const;
    bool empty() const { return m_spans.empty(); }

private:
    struct Span
    {
        double start, end;
        double before; // training seconds in the spans before this one
    };
    void recount(std::size_t from);

    std::vector<Span> m_spans; // in time order, disjoint
};

} // namespace normlab::gui
