#include "inside_plot.h"

#include "viridis.h"

namespace normlab::gui {

InsidePlot::InsidePlot(QWidget *parent) : QCustomPlot(parent)
{
    setMinimumSize(kPlotMinimumWidth, kPlotMinimumHeight);
    plotLayout()->insertRow(0);
    m_title = new QCPTextElement(this, QString(), QFont(font().family(), font().pointSize()));
    plotLayout()->addElement(0, 0, m_title);
    m_message = new QCPItemText(this);
    m_message->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_message->position->setCoords(0.5, 0.5);
    m_message->setColor(Qt::darkGray);
    m_message->setClipToAxisRect(false);
}

void InsidePlot::showMessageText(const QString &text)
{
    m_message->setText(text);
    m_message->setVisible(true);
    m_title->setText(QString());
    replot(rpQueuedReplot);
}

void InsidePlot::showTitle(const QString &title)
{
    m_title->setText(title);
    m_message->setVisible(false);
}

} // namespace normlab::gui
