#include "confusion_matrix_view.h"

#include <QFontMetrics>
#include <QMouseEvent>
#include <QPainter>

#include <cmath>

namespace normlab::gui {

namespace {

constexpr int kLabelWidth = 80;
constexpr int kLabelHeight = 70;

} // namespace

ConfusionMatrixView::ConfusionMatrixView(QWidget *parent) : QWidget(parent)
{
    setMouseTracking(true);
    setToolTip(tr("Rows: the true class. Columns: the predicted class. Click a cell to show its "
                  "images in the gallery."));
}

void ConfusionMatrixView::setMatrix(const QVector<int> &counts, const QStringList &classNames)
{
    const int n = static_cast<int>(std::lround(std::sqrt(static_cast<double>(counts.size()))));
    m_classes = n * n == counts.size() ? n : 0;
    m_counts = counts;
    m_names = classNames;
    update();
}

QRect ConfusionMatrixView::gridRect() const
{
    const int side = std::max(0, std::min(width() - kLabelWidth, height() - kLabelHeight) - 4);
    return {kLabelWidth, kLabelHeight, side, side};
}

QRect ConfusionMatrixView::cellRect(int t, int p) const
{
    const QRect g = gridRect();
    if (m_classes == 0)
        return {};
    const double cell = static_cast<double>(g.width()) / m_classes;
    return QRect(
            QPoint(g.left() + static_cast<int>(p * cell), g.top() + static_cast<int>(t * cell)),
            QPoint(g.left() + static_cast<int>((p + 1) * cell) - 1,
                   g.top() + static_cast<int>((t + 1) * cell) - 1));
}

QPair<int, int> ConfusionMatrixView::cellAt(const QPoint &pos) const
{
    const QRect g = gridRect();
    if (m_classes == 0 || !g.contains(pos))
        return {-1, -1};
    const double cell = static_cast<double>(g.width()) / m_classes;
    return {std::min(m_classes - 1, static_cast<int>((pos.y() - g.top()) / cell)),
            std::min(m_classes - 1, static_cast<int>((pos.x() - g.left()) / cell))};
}

void ConfusionMatrixView::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.fillRect(rect(), palette().color(QPalette::Base));
    if (m_classes == 0) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(rect(), Qt::AlignCenter, tr("No epoch selected"));
        return;
    }
    const QColor hot = palette().color(QPalette::Highlight);
    const QColor base = palette().color(QPalette::Base);
    QFont small = font();
    small.setPointSizeF(font().pointSizeF() * 0.85);
    painter.setFont(small);
    for (int t = 0; t < m_classes; ++t) {
        int rowTotal = 0;
        for (int p = 0; p < m_classes; ++p)
            rowTotal += m_counts[t * m_classes + p];
        for (int p = 0; p < m_classes; ++p) {
            const int count = m_counts[t * m_classes + p];
            const double share = rowTotal ? static_cast<double>(count) / rowTotal : 0.0;
            // Off-diagonal mistakes are rare, so a square root keeps them visible next to the
            // diagonal.
            const double strength = std::sqrt(share);
            const QColor fill =
                    QColor::fromRgbF(base.redF() + (hot.redF() - base.redF()) * strength,
                                     base.greenF() + (hot.greenF() - base.greenF()) * strength,
                                     base.blueF() + (hot.blueF() - base.blueF()) * strength);
            const QRect cell = cellRect(t, p);
            painter.fillRect(cell, fill);
            painter.setPen(strength > 0.6 ? palette().color(QPalette::HighlightedText)
                                          : palette().color(QPalette::Text));
            painter.drawText(cell, Qt::AlignCenter, QString::number(count));
        }
    }
    if (m_selected.first >= 0 && m_selected.first < m_classes && m_selected.second >= 0 &&
        m_selected.second < m_classes) {
        painter.setPen(QPen(palette().color(QPalette::Text), 2));
        painter.drawRect(cellRect(m_selected.first, m_selected.second).adjusted(1, 1, -1, -1));
    }
    painter.setPen(palette().color(QPalette::Text));
    for (int i = 0; i < m_classes; ++i) {
        const QString name = i < m_names.size() ? m_names[i] : QString::number(i);
        const QRect row = cellRect(i, 0);
        painter.drawText(QRect(0, row.top(), kLabelWidth - 4, row.height()),
                         Qt::AlignRight | Qt::AlignVCenter, name);
        const QRect column = cellRect(0, i);
        painter.save();
        painter.translate(column.center().x() + 4, kLabelHeight - 4);
        painter.rotate(-60);
        painter.drawText(0, 0, name);
        painter.restore();
    }
    // The axes' titles, one line each so that they never wrap in the corner: the columns' above
    // their labels, the rows' beside theirs.
    const QFontMetrics metrics(small);
    const QRect corner(0, 0, kLabelWidth - 4, kLabelHeight - 4);
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(corner, Qt::AlignRight | Qt::AlignTop,
                     metrics.elidedText(tr("predicted →"), Qt::ElideRight, corner.width()));
    painter.drawText(corner, Qt::AlignLeft | Qt::AlignBottom,
                     metrics.elidedText(tr("true ↓"), Qt::ElideRight, corner.width()));
}

void ConfusionMatrixView::setSelectedCell(int trueClass, int predicted)
{
    if (m_selected == qMakePair(trueClass, predicted))
        return;
    m_selected = {trueClass, predicted};
    update();
}

void ConfusionMatrixView::mouseReleaseEvent(QMouseEvent *event)
{
    const auto [t, p] = cellAt(event->position().toPoint());
    if (t >= 0)
        Q_EMIT cellClicked(t, p);
}

} // namespace normlab::gui
