#include "wheel_guard.h"

#include <QAbstractSlider>
#include <QAbstractSpinBox>
#include <QApplication>
#include <QComboBox>
#include <QEvent>
#include <QScrollBar>

namespace normlab::gui {

namespace {

// Fields that change their value on a wheel turn; scroll bars are meant to take the wheel.
QWidget *guardedField(QObject *object)
{
    auto *widget = qobject_cast<QWidget *>(object);
    if (!widget)
        return nullptr;
    if (qobject_cast<QComboBox *>(widget) || qobject_cast<QAbstractSpinBox *>(widget))
        return widget;
    if (qobject_cast<QAbstractSlider *>(widget) && !qobject_cast<QScrollBar *>(widget))
        return widget;
    return nullptr;
}

} // namespace

void WheelGuard::install(QApplication &app)
{
    app.installEventFilter(new WheelGuard(&app));
}

bool WheelGuard::eventFilter(QObject *watched, QEvent *event)
{
    switch (event->type()) {
    case QEvent::Polish:
        // Their default, Qt::WheelFocus, would let the wheel take focus before this filter sees
        // the event; with StrongFocus a click or Tab gives focus, the wheel does not.
        if (QWidget *field = guardedField(watched); field && field->focusPolicy() == Qt::WheelFocus)
            field->setFocusPolicy(Qt::StrongFocus);
        break;
    case QEvent::Wheel:
        if (QWidget *field = guardedField(watched); field && !field->hasFocus()) {
            // Ignored and filtered: QApplication offers it to the parents, so the form scrolls.
            event->ignore();
            return true;
        }
        break;
    default:
        break;
    }
    return QObject::eventFilter(watched, event);
}

} // namespace normlab::gui
