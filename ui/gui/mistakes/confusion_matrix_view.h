// A confusion matrix as a heat map with counts: rows are true classes, columns predictions, the
// colour is the row's share. Clicking a cell asks for exactly those images.
#pragma once

#include <QStringList>
#include <QVector>
#include <QWidget>

namespace normlab::gui {

class ConfusionMatrixView : public QWidget
{
    Q_OBJECT

public:
    explicit ConfusionMatrixView(QWidget *parent = nullptr);

    // `counts` is classes x classes, row-major.
    void setMatrix(const QVector<int> &counts, const QStringList &classNames);
    QSize sizeHint() const override { return {460, 420}; }
    QSize minimumSizeHint() const override { return {260, 240}; }

    // The cell under a point, or (-1, -1).
    QPair<int, int> cellAt(const QPoint &pos) const;
    QRect cellRect(int trueClass, int predicted) const;
    // Outlined: the cell whose images the gallery shows; (-1, -1) for none.
    void setSelectedCell(int trueClass, int predicted);
    QPair<int, int> selectedCell() const { return m_selected; }

Q_SIGNALS:
    void cellClicked(int trueClass, int predicted);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;

private:
    QRect gridRect() const;

    QVector<int> m_counts;
    QStringList m_names;
    int m_classes = 0;
    QPair<int, int> m_selected {-1, -1};
};

} // namespace normlab::gui
