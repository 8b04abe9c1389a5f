// The misclassified images of one epoch as a list model. Pictures are made only when the view asks
// for them (the rows on screen), so an epoch with thousands of mistakes opens instantly.
#pragma once

#include "dataset.h"
#include "metrics.h"

#include <QAbstractListModel>
#include <QCache>
#include <QHash>
#include <QVector>
#include <QPixmap>
#include <QStringList>

#include <memory>
#include <vector>

namespace normlab::gui {

class MistakesModel : public QAbstractListModel
{
    Q_OBJECT

public:
    static constexpr int kZoom = 3; // 32 px shown as 96 px, nearest neighbour: crisp pixels

    using QAbstractListModel::QAbstractListModel;

    // `test` may be null (images not loaded yet): rows then have text only.
    void setMistakes(std::vector<Misclassified> mistakes, QStringList classNames,
                     std::shared_ptr<const DatasetPair> data);
    const Misclassified &mistake(int row) const
    {
        return m_mistakes[static_cast<std::size_t>(row)];
    }

    // Grad-CAM heat maps (32x32, 0..1) by test image index; kept across filters and sorts of the
    // same epoch, dropped by clearHeatMaps (another run, epoch or layer).
    void addHeatMaps(const QVector<int> &testIndices, const QVector<QVector<float>> &maps);
    void clearHeatMaps();
    bool hasHeatMap(int testIndex) const { return m_heat.contains(testIndex); }
    int heatMapCount() const { return static_cast<int>(m_heat.size()); }
    // Draws the heat maps over the pictures (blue to red, at `opacity`).
    void setOverlay(bool on, double opacity = 0.5);
    bool overlay() const { return m_overlay; }

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;

private:
    QString className(int index) const;

    std::vector<Misclassified> m_mistakes;
    QStringList m_names;
    std::shared_ptr<const DatasetPair> m_data;
    mutable QCache<int, QPixmap> m_pixmaps {2000};
    QHash<int, QVector<float>> m_heat;
    bool m_overlay = false;
    double m_opacity = 0.5;
};

} // namespace normlab::gui
