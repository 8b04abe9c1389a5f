#include "mistakes_model.h"

#include "cam_picture.h"

#include <QGuiApplication>
#include <QPalette>
#include <QPixmap>

namespace normlab::gui {

void MistakesModel::setMistakes(std::vector<Misclassified> mistakes, QStringList classNames,
                                std::shared_ptr<const DatasetPair> data)
{
    beginResetModel();
    m_mistakes = std::move(mistakes);
    m_names = std::move(classNames);
    m_data = std::move(data);
    m_pixmaps.clear();
    endResetModel();
}

void MistakesModel::addHeatMaps(const QVector<int> &testIndices, const QVector<QVector<float>> &maps)
{
    for (qsizetype i = 0; i < testIndices.size() && i < maps.size(); ++i) {
        m_heat.insert(testIndices[i], maps[i]);
        m_pixmaps.remove(testIndices[i]);
    }
    if (m_overlay && rowCount() > 0)
        Q_EMIT dataChanged(index(0), index(rowCount() - 1), {Qt::DecorationRole});
}

void MistakesModel::clearHeatMaps()
{
    m_heat.clear();
    if (m_overlay) {
        m_pixmaps.clear();
        if (rowCount() > 0)
            Q_EMIT dataChanged(index(0), index(rowCount() - 1), {Qt::DecorationRole});
    }
}

void MistakesModel::setOverlay(bool on, double opacity)
{
    if (on == m_overlay && opacity == m_opacity)
        return;
    m_overlay = on;
    m_opacity = opacity;
    m_pixmaps.clear();
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0), index(rowCount() - 1), {Qt::DecorationRole});
}

int MistakesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_mistakes.size());
}

QString MistakesModel::className(int index) const
{
    return index >= 0 && index < m_names.size() ? m_names[index] : QString::number(index);
}

QVariant MistakesModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const Misclassified &m = m_mistakes[static_cast<std::size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        // Always three lines: the gallery sizes every cell like the first, so a label that wraps
        // in one cell but not in another would be cut off.
        return QString("%1\n→ %2\n%3 %")
                .arg(className(m.trueLabel), className(m.predicted))
                .arg(100.0 * m.confidence, 0, 'f', 1);
    case Qt::ToolTipRole:
        return tr("Test image %1: %2, predicted %3 with %4 % confidence")
                .arg(m.index)
                .arg(className(m.trueLabel), className(m.predicted))
                .arg(100.0 * m.confidence, 0, 'f', 1);
    case Qt::TextAlignmentRole:
        return QVariant::fromValue(Qt::AlignHCenter | Qt::AlignTop);
    case Qt::DecorationRole: {
        if (!m_data || m.index < 0 || static_cast<std::size_t>(m.index) >= m_data->test.size()) {
            // A blank tile while the test images load: without an icon the view lays the labels
            // out narrower, and they come out cut off ("auto…").
            QPixmap blank(Dataset::kWidth * kZoom, Dataset::kHeight * kZoom);
            blank.fill(QGuiApplication::palette().color(QPalette::Midlight));
            return blank;
        }
        if (QPixmap *cached = m_pixmaps.object(m.index))
            return *cached;
        const auto heat = m_heat.constFind(m.index);
        auto *pixmap = new QPixmap(camPicture(
                m_data->test.image(static_cast<std::size_t>(m.index)), kZoom,
                m_overlay && heat != m_heat.cend() ? *heat : QVector<float>(), m_opacity));
        const QPixmap copy = *pixmap;
        m_pixmaps.insert(m.index, pixmap);
        return copy;
    }
    default:
        return {};
    }
}

} // namespace normlab::gui
