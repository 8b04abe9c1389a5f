// Predict Images: image files of any size and colour format get a recorded run's top classes and
// its Grad-CAM; files that are no images are named with the reason while the rest are answered;
// image files dropped on the main window open the panel with them.

#include "config_json.h"
#include "main_window.h"
#include "predict_panel.h"
#include "run_session.h"
#include "run_store.h"
#include "test_support.h"

#include <QComboBox>
#include <QDropEvent>
#include <QFile>
#include <QImage>
#include <QMimeData>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUrl>
#include <QtTest>

#include <nlohmann/json.hpp>

using namespace normlab;
using namespace normlab::gui;

class TestPredictPanel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_tmp.isValid());
        RunStore store(m_tmp.filePath("store").toStdString());
        const ExperimentConfig c = test::quickConfig(1);
        m_run = store.createRun({"s8 BatchNorm", toJson(c).dump(), c.seed, {}, {}, {}});
        RunSession session(store, m_run);
        session.run({});

        QImage wide(64, 48, QImage::Format_RGB32);
        wide.fill(QColor(200, 40, 40));
        QVERIFY(wide.save(m_tmp.filePath("pictures/wide.png")) ||
                (QDir().mkpath(m_tmp.filePath("pictures")) &&
                 wide.save(m_tmp.filePath("pictures/wide.png"))));
        QImage grey(20, 20, QImage::Format_Grayscale8);
        grey.fill(128);
        QVERIFY(grey.save(m_tmp.filePath("pictures/grey.jpg")));
        QFile text(m_tmp.filePath("pictures/notes.png"));
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write("not an image");
    }

    void predictsWhatItCanAndNamesTheRest()
    {
        RunStore store(m_tmp.filePath("store").toStdString());
        PredictPanel panel(store);
        QCOMPARE(panel.run(), m_run);
        QSignalSpy done(&panel, &PredictPanel::allPredicted);
        panel.addFiles({m_tmp.filePath("pictures/wide.png"), m_tmp.filePath("pictures/grey.jpg"),
                        m_tmp.filePath("pictures/notes.png"), m_tmp.filePath("missing.jpg")});
        QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, 60'000);
        const QStringList results = panel.resultTexts();
        QCOMPARE(results.size(), 4);
        for (int i : {0, 1}) {
            QVERIFY2(results[i].count(" %") == 5, qPrintable(results[i])); // the top five
        }
        QVERIFY2(results[2].contains("notes.png: not a PNG, JPEG or BMP image"), qPrintable(results[2]));
        QVERIFY2(results[3].contains("missing.jpg: no such file"), qPrintable(results[3]));
        QCOMPARE(panel.statusText(), QString("4 images, 2 could not be read."));

        // Other weights: everything is asked again.
        auto *weights = panel.findChildren<QComboBox *>().last();
        // Each checkpoint says which epoch it holds (one epoch trained: both the first).
        QCOMPARE(weights->itemText(0), QString("best: lowest test loss, epoch 1"));
        QCOMPARE(weights->itemText(1), QString("last: epoch 1"));
        weights->setCurrentIndex(1);
        QTRY_COMPARE_WITH_TIMEOUT(done.size(), 2, 60'000);
        QCOMPARE(panel.resultTexts().size(), 4);

        panel.clearFiles();
        QCOMPARE(panel.fileCount(), 0);
    }

    void aStoreWithoutTrainedRunsSaysSo()
    {
        RunStore empty(m_tmp.filePath("empty").toStdString());
        PredictPanel panel(empty);
        QCOMPARE(panel.run(), qint64(-1));
        panel.addFiles({m_tmp.filePath("pictures/wide.png")});
        QVERIFY2(panel.statusText().contains("No recorded run has weights"),
                 qPrintable(panel.statusText()));
    }

    void filesDroppedOnTheWindowArePredicted()
    {
        MainWindow window(m_tmp.filePath("store"));
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(m_tmp.filePath("pictures"))}); // a folder
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton,
                              Qt::NoModifier);
        QCoreApplication::sendEvent(&window, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(&window, &drop);
        auto *panel = window.findChild<PredictPanel *>();
        QVERIFY(panel);
        QVERIFY(panel->isVisible());
        // The folder's pictures by name: grey.jpg, notes.png, wide.png.
        QCOMPARE(panel->fileCount(), 3);
        QSignalSpy done(panel, &PredictPanel::allPredicted);
        QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, 60'000);
        QVERIFY(panel->resultTexts()[0].startsWith("grey.jpg: "));
    }

private:
    QTemporaryDir m_tmp;
    qint64 m_run = 0;
};

QTEST_MAIN(TestPredictPanel)
#include "test_predict_panel.moc"
