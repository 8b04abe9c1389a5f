#include "augment_preview.h"

#include "augment.h"
#include "dataset_cache.h"

#include <QEvent>
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
// Room on the left for each row's class, and between the original and its draws for a rule.
constexpr int kLabelWidth = 96;
constexpr int kSeparator = 17;

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
    m_scroll = new QScrollArea(this);
    m_scroll->setWidget(m_picture);
    m_scroll->setWidgetResizable(true);
    layout->addWidget(m_scroll, 1);
    m_scroll->viewport()->installEventFilter(this);

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
                                               : tr("Each row: a training image as it is, then %1 "
                                                    "draws of %2. Normalization follows and is not "
                                                    "shown.")
                                                         .arg(m_draws)
                                                         .arg(steps));

    const QRect last = tileRect(kImages - 1, m_draws);
    m_grid = QImage(last.right() + 1 + kGap, last.bottom() + 1 + kGap, QImage::Format_RGB888);
    m_grid.fill(palette().color(QPalette::Base));
    QPainter painter(&m_grid);
    painter.setFont(font());
    const QColor text = palette().color(QPalette::Text);
    const QColor dim = palette().color(QPalette::PlaceholderText);
    const QRect original = tileRect(0, 0);
    const QRect firstDraw = tileRect(0, 1);
    const int headerBottom = original.top() - kGap;
    painter.setPen(text);
    painter.drawText(QRect(original.left(), 0, original.width(), headerBottom),
                     Qt::AlignHCenter | Qt::AlignBottom, tr("original"));
    painter.drawText(QRect(firstDraw.left(), 0, last.right() - firstDraw.left(), headerBottom),
                     Qt::AlignLeft | Qt::AlignBottom,
                     m_config.augment.empty() ? tr("no augmentation: the same image")
                                              : tr("augmented: a new random draw each time →"));
    const int rule = (original.right() + firstDraw.left()) / 2;
    painter.setPen(QPen(dim, 1));
    painter.drawLine(rule, original.top(), rule, last.bottom());
    const std::size_t stride = std::max<std::size_t>(1, data->train.size() / kImages);
    for (int row = 0; row < kImages; ++row) {
        const std::size_t index =
                (static_cast<std::size_t>(row) * stride + m_roll * 7919) % data->train.size();
        const int label = data->train.labels[index];
        const QRect rowTile = tileRect(row, 0);
        painter.setPen(text);
        painter.drawText(QRect(0, rowTile.top(), kLabelWidth - 2 * kGap, rowTile.height()),
                         Qt::AlignRight | Qt::AlignVCenter,
                         label < data->train.numClasses()
                                 ? QString::fromStdString(data->train.classNames[label])
                                 : QString::number(label));
        for (int column = 0; column <= m_draws; ++column) {
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
                    tileRect(row, column),
                    image.scaled(kTile, kTile, Qt::IgnoreAspectRatio, Qt::FastTransformation));
        }
    }
    painter.end();
    m_picture->setPixmap(QPixmap::fromImage(m_grid));
    Q_EMIT updated();
}

QRect AugmentPreview::tileRect(int row, int column) const
{
    const int header = fontMetrics().height() + 2 * kGap;
    const int x = kLabelWidth + column * (kTile + kGap) + (column > 0 ? kSeparator : 0);
    return {x, header + row * (kTile + kGap), kTile, kTile};
}

int AugmentPreview::drawsThatFit() const
{
    const int room = m_scroll->viewport()->width() - tileRect(0, 1).left() - kGap;
    return std::clamp(room / (kTile + kGap), kMinDraws, kMaxDraws);
}

bool AugmentPreview::eventFilter(QObject *watched, QEvent *event)
{
    // The viewport's own resize, not this widget's: the scroll area lays it out after ours.
    if (watched == m_scroll->viewport() && event->type() == QEvent::Resize) {
        const int draws = drawsThatFit();
        if (draws != m_draws) {
            m_draws = draws;
            if (!m_grid.isNull())
                render();
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace normlab::gui
