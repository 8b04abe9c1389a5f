#include "elided_label.h"

#include <QPainter>
#include <QStyle>

namespace normlab::gui {

namespace {
constexpr int kMinimumCharacters = 6; // "Chec…": enough to recognise the label
}

ElidedLabel::ElidedLabel(const QString &text, QWidget *parent) : QLabel(text, parent)
{
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    setWordWrap(false);
}

QSize ElidedLabel::minimumSizeHint() const
{
    const QSize full = QLabel::minimumSizeHint();
    const int least = fontMetrics().horizontalAdvance(QString(kMinimumCharacters, 'x')) +
                      contentsMargins().left() + contentsMargins().right();
    return {std::min(full.width(), least), full.height()};
}

bool ElidedLabel::isElided() const
{
    return fontMetrics().horizontalAdvance(text()) > contentsRect().width();
}

void ElidedLabel::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    const QRect area = contentsRect();
    const QString shown = fontMetrics().elidedText(text(), Qt::ElideRight, area.width());
    style()->drawItemText(&painter, area, alignment() | Qt::TextSingleLine, palette(),
                          isEnabled(), shown, foregroundRole());
    // Here rather than in setText, which QLabel does not let a subclass see.
    updateToolTip();
}

void ElidedLabel::resizeEvent(QResizeEvent *event)
{
    QLabel::resizeEvent(event);
    updateToolTip();
}

void ElidedLabel::updateToolTip()
{
    setToolTip(isElided() ? text() : QString());
}

} // namespace normlab::gui
