// The wheel guard: over a form field without focus the wheel scrolls the form around it, and a
// field takes the wheel once it has focus.

#include "wheel_guard.h"

#include <QApplication>
#include <QComboBox>
#include <QScrollArea>
#include <QTest>
#include <QVBoxLayout>
#include <QWheelEvent>

using namespace normlab::gui;

namespace {

// One notch of the wheel, turned over `widget`'s centre.
bool turnWheel(QWidget *widget, int notches = -1)
{
    const QPointF centre = QRectF(widget->rect()).center();
    QWheelEvent event(centre, widget->mapToGlobal(centre), QPoint(), QPoint(0, 120 * notches),
                      Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(widget, &event);
    return event.isAccepted();
}

} // namespace

class TestWheelGuard : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void wheelScrollsTheFormInstead();
};

void TestWheelGuard::initTestCase()
{
    WheelGuard::install(*qApp);
}

void TestWheelGuard::wheelScrollsTheFormInstead()
{
    QScrollArea area;
    auto *form = new QWidget;
    auto *layout = new QVBoxLayout(form);
    auto *combo = new QComboBox;
    combo->addItems({"sgd", "adam", "adamw"});
    layout->addWidget(combo);
    layout->addSpacing(2000);
    area.setWidget(form);
    area.resize(300, 200);
    area.show();
    QVERIFY(QTest::qWaitForWindowExposed(&area));
    QCOMPARE(combo->focusPolicy(), Qt::StrongFocus);
    combo->clearFocus();
    // Unfocused: the wheel is handed on (not accepted) and the choice stays.
    QVERIFY(!turnWheel(combo));
    QCOMPARE(combo->currentIndex(), 0);
    // Focused (clicked or tabbed into): the wheel is the field's, as everywhere in Qt.
    area.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&area));
    combo->setFocus();
    QTRY_VERIFY(combo->hasFocus());
    QVERIFY(turnWheel(combo));
    QCOMPARE(combo->currentIndex(), 1);
}

QTEST_MAIN(TestWheelGuard)
#include "test_wheel_guard.moc"
