// What the Inside tab's three plots share: a title row above the axis rect, and a grey message in
// its middle shown instead of the data (no run, nothing recorded yet).
#pragma once

#include "qcustomplot_include.h"

namespace normlab::gui {

class InsidePlot : public QCustomPlot
{
    Q_OBJECT

public:
    explicit InsidePlot(QWidget *parent = nullptr);

    // What is shown instead of the data; empty while the data is shown.
    QString message() const { return m_message->visible() ? m_message->text() : QString(); }

protected:
    // The message instead of the data, the title cleared; the caller clears its data first.
    void showMessageText(const QString &text);
    // The data under `title`, the message hidden.
    void showTitle(const QString &title);

private:
    QCPTextElement *m_title;
    QCPItemText *m_message;
};

} // namespace normlab::gui
