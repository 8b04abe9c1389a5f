// MetricsChart's pens: each run's colour and marker, and the run selected in the runs table drawn
// stronger than the others. Apart from metrics_chart.cpp so that file stays about the data.
#include "metrics_chart.h"

#include "chart_style.h"
#include "qcustomplot_include.h"

#include <algorithm>

namespace normlab::gui {

void MetricsChart::applyPens()
{
    // Only among runs drawn: a run hidden in a seed band, or alone, has nothing to stand out from.
    const auto visible = std::count_if(m_runs.cbegin(), m_runs.cend(),
                                       [](const RunCurves &run) { return run.visible; });
    const auto selected = m_runs.constFind(m_emphasis);
    const bool emphasis = visible > 1 && selected != m_runs.cend() && selected->visible;
    for (auto it = m_runs.begin(); it != m_runs.end(); ++it) {
        const bool strong = emphasis && it.key() == m_emphasis;
        QColor color = it->color;
        if (emphasis && !strong)
            color.setAlpha(kFadedAlpha);
        // Filled with the background, so the test markers stand out from the train line beneath.
        it->test->setScatterStyle(QCPScatterStyle(
                runMarker(it.key()), color, palette().color(QPalette::Base), kMarkerSize + 1));
        // Full colour, thinner: pale train lines were hard to see on white.
        it->train->setPen(QPen(color, strong ? 2 : 1.2));
        it->test->setPen(QPen(color, strong ? 3 : 2));
    }
    m_needsReplot = true;
}

void MetricsChart::setEmphasis(qint64 runId)
{
    if (runId == m_emphasis)
        return;
    m_emphasis = runId;
    applyPens();
}

} // namespace normlab::gui
