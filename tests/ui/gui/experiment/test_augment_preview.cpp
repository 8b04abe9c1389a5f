// The augmentation preview: its tiles are the configured augmentation of the originals beside
// them, and it fills its width with draws, the originals set apart.

#include "augment_preview.h"
#include "test_support.h"

#include <QSettings>
#include <QSignalSpy>
#include <QTest>

using namespace normlab;
using namespace normlab::gui;
using test::quickConfig;

class TestAugmentPreview : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void augmentationPreviewShowsAugmentedImages();
    void previewFillsItsWidth();
};

void TestAugmentPreview::init()
{
    QCoreApplication::setOrganizationName("NormLabTest");
    QSettings().clear();
}

void TestAugmentPreview::augmentationPreviewShowsAugmentedImages()
{
    AugmentPreview preview;
    QSignalSpy updated(&preview, &AugmentPreview::updated);
    ExperimentConfig c = quickConfig(1);
    c.augment = {};
    AugmentStep flip;
    flip.kind = AugmentStep::Kind::HorizontalFlip;
    flip.p = 1.0; // every draw flipped: each augmented tile is the mirror of the original
    c.augment.push_back(flip);
    preview.setConfig(c);
    QTRY_VERIFY_WITH_TIMEOUT(updated.size() >= 1, 30'000);
    const QImage grid = preview.grid();
    QVERIFY(!grid.isNull());
    // Row 0: the original tile and the first draw beside it, mirrored.
    const QRect original = preview.tileRect(0, 0), draw = preview.tileRect(0, 1);
    QVERIFY(grid.rect().contains(preview.tileRect(AugmentPreview::kImages - 1, preview.drawCount())));
    int mismatches = 0;
    for (int y = 0; y < original.height(); y += 7)
        for (int x = 0; x < original.width(); x += 7)
            mismatches += grid.pixel(original.left() + x, original.top() + y) !=
                          grid.pixel(draw.right() - x, draw.top() + y);
    QCOMPARE(mismatches, 0);
    const QImage before = preview.grid();
    preview.reroll();
    QVERIFY(preview.grid() != before); // other images
}

void TestAugmentPreview::previewFillsItsWidth()
{
    AugmentPreview preview;
    preview.resize(1200, 700);
    preview.show();
    QVERIFY(QTest::qWaitForWindowExposed(&preview));
    QSignalSpy updated(&preview, &AugmentPreview::updated);
    preview.setConfig(test::quickConfig(1));
    QTRY_VERIFY_WITH_TIMEOUT(updated.size() >= 1, 30'000);
    // Five draws used to leave half of a wide tab empty.
    QVERIFY2(preview.drawCount() >= 9, qPrintable(QString::number(preview.drawCount())));
    QVERIFY(preview.grid().width() <= 1200);
    QVERIFY(preview.grid().width() > 1200 - preview.tileRect(0, 0).width() * 2);
    // The originals are set apart from their draws by more than the draws from each other.
    const int afterOriginal = preview.tileRect(0, 1).left() - preview.tileRect(0, 0).right();
    const int betweenDraws = preview.tileRect(0, 2).left() - preview.tileRect(0, 1).right();
    QVERIFY(afterOriginal > 2 * betweenDraws);

    const int before = preview.drawCount();
    preview.resize(700, 700);
    QTRY_VERIFY(preview.drawCount() < before);
    QVERIFY(preview.grid().width() <= 700);
}

QTEST_MAIN(TestAugmentPreview)
#include "test_augment_preview.moc"
