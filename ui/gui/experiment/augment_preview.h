// Real training images through the experiment's augmentation: each row one image, first as it is
// (the "original" column, set apart), then as many draws of the augmentation as the width holds.
// "Re-roll" draws again.
#pragma once

#include "config.h"

#include <QWidget>

class QLabel;
class QScrollArea;

namespace normlab::gui {

class DatasetCache;

class AugmentPreview : public QWidget
{
    Q_OBJECT

public:
    static constexpr int kImages = 8;
    static constexpr int kMinDraws = 3;
    static constexpr int kMaxDraws = 16;

    // `cache` is shared with other views; without one the preview makes its own.
    explicit AugmentPreview(DatasetCache *cache = nullptr, QWidget *parent = nullptr);

    // Shows `config`'s training data through its augmentation (loading the data if needed).
    void setConfig(const ExperimentConfig &config);
    void reroll();
    // The grid as drawn; null until the data is loaded.
    QImage grid() const { return m_grid; }
    // Where row `row`'s image sits in grid(): column 0 the original, 1 to drawCount() its draws.
    QRect tileRect(int row, int column) const;
    int drawCount() const { return m_draws; }

Q_SIGNALS:
    void updated();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void render();
    int drawsThatFit() const;

    ExperimentConfig m_config;
    std::uint64_t m_roll = 0;
    int m_draws = 5;
    DatasetCache *m_cache;
    QLabel *m_status;
    QLabel *m_picture;
    QScrollArea *m_scroll;
    QImage m_grid;
};

} // namespace normlab::gui
