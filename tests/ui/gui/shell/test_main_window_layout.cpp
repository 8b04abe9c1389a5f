// The window as a person sees it: it fits a small screen, a paused run says so, the form's error
// stays in view however far the form is scrolled, and the runs table has room, kept across starts.

#include "config_panel.h"
#include "main_window.h"
#include "runs_panel.h"
#include "training_controller.h"
#include "training_status.h"

#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

using namespace normlab;
using namespace normlab::gui;

class TestMainWindowLayout : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName("NormLabTest");
        QSettings().clear();
        m_tmp = std::make_unique<QTemporaryDir>();
    }

    // The window could not be made narrower than 1,321 px (toolbars of labels and combo boxes in
    // the Mistakes, Curves and Comparison tabs): a 1,280 px laptop screen cut it off.
    void fitsASmallScreen()
    {
        MainWindow window(m_tmp->path());
        window.show();
        QVERIFY2(window.minimumSizeHint().width() <= 1024,
                 qPrintable(QString::number(window.minimumSizeHint().width())));
        window.resize(1024, 700);
        QCOMPARE(window.width(), 1024);
    }

    // Pausing showed nothing but the checked toolbar button.
    void aPauseIsShownInTheStatusBar()
    {
        MainWindow window(m_tmp->path());
        TrainingStatus *status = window.trainingStatus();
        status->runStarted(7, 3, 0);
        Q_EMIT window.controller()->pausedChanged(true);
        QVERIFY(status->isPaused());
        QVERIFY2(status->text().contains("Run 7 paused"), qPrintable(status->text()));
        Q_EMIT window.controller()->pausedChanged(false);
        QVERIFY(!status->text().contains("paused"));
    }

    // The form's error was the last line of the scrolled form, out of view below it.
    void theFormsErrorStaysInView()
    {
        MainWindow window(m_tmp->path());
        window.resize(1100, 600);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QScrollArea *scroll = nullptr;
        for (QScrollArea *area : window.findChildren<QScrollArea *>())
            if (area->widget() == window.configPanel())
                scroll = area;
        QVERIFY(scroll);
        QWidget *messages = window.configPanel()->messageArea();
        QVERIFY(!scroll->isAncestorOf(messages)); // does not scroll with the form
        auto *lr = window.configPanel()->findChild<QLineEdit *>("learningRate");
        QVERIFY(lr);
        lr->setFocus();
        QTest::keyClick(lr, Qt::Key_End);
        QTest::keyClicks(lr, "x"); // "0.01x"
        auto *error = messages->findChild<QLabel *>("error");
        QVERIFY(error);
        QTRY_VERIFY(error->isVisible());
        QVERIFY(error->text().contains("Learning rate"));
        const QRect onWindow(error->mapTo(&window, QPoint(0, 0)), error->size());
        QVERIFY2(window.rect().contains(onWindow), qPrintable(QString("%1,%2 %3x%4")
                                                                      .arg(onWindow.x())
                                                                      .arg(onWindow.y())
                                                                      .arg(onWindow.width())
                                                                      .arg(onWindow.height())));
    }

    // The runs table was about three rows high at 1500x950: the charts' size hint took the
    // splitter's space. And where a person dragged the splitter was forgotten at the next start.
    void theRunsTableHasRoomAndKeepsIt()
    {
        QList<int> dragged;
        {
            MainWindow window(m_tmp->path());
            window.resize(1500, 950);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            QTableView *table = window.runsPanel()->view();
            const int rows =
                    table->viewport()->height() / table->verticalHeader()->defaultSectionSize();
            QVERIFY2(rows >= 7, qPrintable(QString::number(rows)));
            auto *right = window.findChild<QSplitter *>("rightSplitter");
            QVERIFY(right);
            right->setSizes({500, 300});
            dragged = right->sizes();
            QVERIFY(window.close());
        }
        MainWindow again(m_tmp->path());
        again.resize(1500, 950);
        again.show();
        QVERIFY(QTest::qWaitForWindowExposed(&again));
        QCOMPARE(again.findChild<QSplitter *>("rightSplitter")->sizes(), dragged);
    }

private:
    std::unique_ptr<QTemporaryDir> m_tmp;
};

QTEST_MAIN(TestMainWindowLayout)
#include "test_main_window_layout.moc"
