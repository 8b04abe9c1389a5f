// A model's top classes for one image as horizontal bars: the class, a bar as long as its
// probability, the percentage; the true class (when known) marked in green, a wrong top answer
// in red, and without a known class the top answer in the palette's highlight.
#pragma once

#include <QStringList>
#include <QVector>
#include <QWidget>

namespace normlab::gui {

class ProbabilityBars : public QWidget
{
    Q_OBJECT

public:
    explicit ProbabilityBars(QWidget *parent = nullptr);

    // Shows the `top` most probable of `probabilities` (one per class). `trueClass` -1: unknown.
    void setProbabilities(const QVector<float> &probabilities, const QStringList &classNames,
                          int trueClass = -1, int top = 5);
    void clear();
    // The rows shown, most probable first, as "cat 83.1 %".
    QStringList rowTexts() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    struct Row
    {
        QString name;
        float probability = 0;
        bool isTrue = false;
    };
    QVector<Row> m_rows;
    bool m_trueKnown = false;
};

} // namespace normlab::gui
