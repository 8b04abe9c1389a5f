#include "augment_preview.h"

#include "augment.h"
#include "dataset_cache.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

#include <algorithm>
#include <vector>

namespace normlab::gui {

namespace {

constexpr int kZoom = 3;
constexpr int kGap = 4;
constexpr int kTile = Dataset::kWidth * kZoom;

} // namespace

AugmentPreview::AugmentPreview(DatasetCache *cache, QWidget *parent)
    : QWidget(parent), m_cache(cache ? cache : new DatasetCache(this))
{
    auto *layout = new QVBoxLayout(this);
    auto *bar = new QHBoxLayout;
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    auto *reroll = new QPushButton(tr("&Re-roll"), this);
    bar->addWidget(m_status, 1);
    bar->addWidget(reroll);
    layout->addLayout(bar);
    m_picture = new QLabel(this);
    m_picture->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    auto *scroll = new QScrollArea(this);
    scroll->setWidget(m_picture);
    scroll->setWidgetResizable(true);
    layout->addWidget(scroll, 1);

    connect(reroll, &QPushButton::clicked, this, &AugmentPreview::reroll);
    connect(m_cache, &DatasetCache::ready, this, &AugmentPreview::render);
    connect(m_cache, &DatasetCache::failed, this,
            [this](const QString &key, const QString &message) {
                if (key != DatasetCache::keyOf(m_config.data))
                    return; // another view's dataset
                m_status->setText(tr("No training images to show: %1").arg(message));
            });
}

void AugmentPreview::setConfig(const ExperimentConfig &config)
{
    m_config = config;
    if (m_cache->get(config.data))
        render();
    else {
        m_status->setText(tr("Loading the training images…"));
        m_cache->request(config.data);
    }
}

void AugmentPreview::reroll()
{
    ++m_roll;
    render();
}

void AugmentPreview::render()
{
    const std::shared_ptr<const DatasetPair> data = m_cache->get(m_config.data);
    if (!data || data->train.size() == 0)
        return;
    const Augmenter augmenter(m_config.augment);
    QString steps;
    for (const AugmentStep &s : m_config.augment)
        steps += (steps.isEmpty() ? "" : ", ") + QString::fromStdString(toString(s.kind)) +
                 QString(" (p %1)").arg(s.p);
    m_status->setText(m_config.augment.empty() ? tr("No augmentation: the network sees the images "
                                                    "as they are (then normalized).")
                                               : tr("Left: the image; right: %1 draws of %2. "
                                                    "Normalization follows and is not shown.")
                                                         .arg(kDraws)
                                                         .arg(steps));

    m_grid = QImage((kDraws + 1) * (kTile + kGap) + kGap, kImages * (kTile + kGap) + kGap,
                    QImage::Format_RGB888);
    m_grid.fill(palette().color(QPalette::Window));
    QPainter painter(&m_grid);
    const std::size_t stride = std::max<std::size_t>(1, data->train.size() / kImages);
    for (int row = 0; row < kImages; ++row) {
        const std::size_t index =
                (static_cast<std::size_t>(row) * stride + m_roll * 7919) % data->train.size();
        for (int column = 0; column <= kDraws; ++column) {
            std::vector<std::uint8_t> pixels(data->train.image(index),
                                             data->train.image(index) + Dataset::kImageBytes);
            if (column > 0) {
                std::mt19937_64 rng =
                        Augmenter::sampleGenerator(m_config.seed + m_roll, column, index);
                augmenter.apply(pixels.data(), rng);
            }
            const QImage image(pixels.data(), Dataset::kWidth, Dataset::kHeight,
                               Dataset::kWidth * Dataset::kChannels, QImage::Format_RGB888);
            painter.drawImage(
                    QRect(kGap + column * (kTile + kGap), kGap + row * (kTile + kGap), kTile,
                          kTile),
                    image.scaled(kTile, kTile, Qt::IgnoreAspectRatio, Qt::FastTransformation));
        }
    }
    painter.end();
    m_picture->setPixmap(QPixmap::fromImage(m_grid));
    Q_EMIT updated();
}

} // namespace normlab::gui
