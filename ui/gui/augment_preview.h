// Real training images through the experiment's augmentation: each row one image, first as it is,
// then several draws of the augmentation. "Re-roll" draws again.
#pragma once

#include "config.h"

#include <QWidget>

class QLabel;

namespace normlab::gui {

class DatasetCache;

class AugmentPreview : public QWidget
{
    Q_OBJECT

public:
    static constexpr int kImages = 8;
    static constexpr int kDraws = 5;

    // `cache` is shared with other views; without one the preview makes its own.
    explicit AugmentPreview(DatasetCache *cache = nullptr, QWidget *parent = nullptr);

    // Shows `config`'s training data through its augmentation (loading the data if needed).
    void setConfig(const ExperimentConfig &config);
    void reroll();
    // The grid as drawn; null until the data is loaded.
    QImage grid() const { return m_grid; }

Q_SIGNALS:
    void updated();

private:
    void render();

    ExperimentConfig m_config;
    std::uint64_t m_roll = 0;
    DatasetCache *m_cache;
    QLabel *m_status;
    QLabel *m_picture;
    QImage m_grid;
};

} // namespace normlab::gui
