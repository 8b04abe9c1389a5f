// MetricsChart's legend, caption and empty-plot hint: what the chart says about its lines. Apart
// from metrics_chart.cpp so that file stays about drawing.
#include "metrics_chart.h"

#include "chart_style.h"
#include "qcustomplot_include.h"

#include <algorithm>

namespace normlab::gui {

void MetricsChart::setCaption(const QString &text)
{
    m_caption->setText(text);
    m_needsReplot = true;
}

QString MetricsChart::caption() const
{
    return m_caption->text();
}

void MetricsChart::setEmptyHint(const QString &noRun, const QString &waiting)
{
    m_emptyText = noRun;
    m_waitingText = waiting;
    m_emptyHint->setText(m_runs.isEmpty() ? m_emptyText : m_waitingText);
    m_needsReplot = true;
}

// One entry per run that has data, and one per band, in the order of run ids (then band names):
// toggling seed grouping or a run arriving never reorders the others.
void MetricsChart::rebuildLegend()
{
    m_plot->legend->clearItems();
    QList<qint64> ids = m_runs.keys();
    std::sort(ids.begin(), ids.end());
    for (const qint64 id : ids) {
        const RunCurves &run = m_runs[id];
        if (run.visible && (!run.test->data()->isEmpty() || !run.train->data()->isEmpty()))
            run.test->addToLegend();
    }
    QStringList keys = m_bands.keys();
    std::sort(keys.begin(), keys.end());
    for (const QString &key : keys)
        if (m_bands[key].mean->visible())
            m_bands[key].mean->addToLegend();
    m_plot->legend->setWrap(legendColumnsThatFit(m_plot->legend, m_plot->width(), kLegendColumns));
    m_plot->legend->setFillOrder(QCPLegend::foColumnsFirst, true); // re-wrapped
    const bool any = m_plot->legend->itemCount() > 0;
    m_plot->legend->setVisible(any);
    // Out of the layout while empty: an empty legend's largest width is its margins, and the
    // grid then squeezed the plot to its least width (a blank strip at the right of an empty
    // chart, 50-100 px wide).
    if (!any && m_plot->legend->layout())
        m_plot->plotLayout()->take(m_plot->legend);
    else if (any && !m_plot->legend->layout())
        m_plot->plotLayout()->addElement(kLegendRow, 0, m_plot->legend);
    m_caption->setVisible(any);
    // Runs shown but nothing recorded yet (a run in its first epoch) is not "no run shown".
    m_emptyHint->setText(m_runs.isEmpty() ? m_emptyText : m_waitingText);
    m_emptyHint->setVisible(!any);
}

QString MetricsChart::hintShown() const
{
    return m_emptyHint->visible() ? m_emptyHint->text() : QString();
}

} // namespace normlab::gui
