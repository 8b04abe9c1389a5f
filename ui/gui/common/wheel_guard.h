// Keeps the mouse wheel from changing a form field the pointer merely passes over while the user
// scrolls the form: combo boxes, spin boxes and sliders take the wheel only once they have focus
// (clicked or tabbed into), and otherwise hand it on to the scroll area around them. Installed
// once on the application, so it covers every widget, also those created later.
#pragma once

#include <QObject>

class QApplication;

namespace normlab::gui {

class WheelGuard : public QObject
{
    Q_OBJECT

public:
    // Installs one guard on `app`, owned by it.
    static void install(QApplication &app);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    using QObject::QObject;
};

} // namespace normlab::gui
