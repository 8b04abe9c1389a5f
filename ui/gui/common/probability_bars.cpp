#include "probability_bars.h"

#include <QPainter>

#include <algorithm>
#include <numeric>

namespace normlab::gui {

namespace {

constexpr int kRowGap = 4;
constexpr int kMinBarWidth = 80;

} // namespace

ProbabilityBars::ProbabilityBars(QWidget *parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void ProbabilityBars::setProbabilities(const QVector<float> &probabilities,
                                       const QStringList &classNames, int trueClass, int top)
{
    QVector<int> order(probabilities.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return probabilities[a] > probabilities[b]; });
    m_rows.clear();
    m_trueKnown = trueClass >= 0;
    for (int i = 0; i < std::min<int>(top, int(order.size())); ++i) {
        const int c = order[i];
        m_rows.append({c < classNames.size() ? classNames[c] : QString::number(c),
                       probabilities[c], c == trueClass});
    }
    updateGeometry();
    update();
}

void ProbabilityBars::clear()
{
    m_rows.clear();
    updateGeometry();
    update();
}

QStringList ProbabilityBars::rowTexts() const
{
    QStringList out;
    for (const Row &r : m_rows)
        out << QString("%1 %2 %").arg(r.name).arg(100.0 * r.probability, 0, 'f', 1);
    return out;
}

QSize ProbabilityBars::sizeHint() const
{
    const int rowHeight = fontMetrics().height() + kRowGap;
    return {fontMetrics().horizontalAdvance("automobile") * 2 + kMinBarWidth,
            std::max<int>(1, int(m_rows.size())) * rowHeight};
}

QSize ProbabilityBars::minimumSizeHint() const
{
    return {fontMetrics().horizontalAdvance("automobile 100.0 %") + kMinBarWidth,
            sizeHint().height()};
}

void ProbabilityBars::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    const QFontMetrics fm = fontMetrics();
    const int rowHeight = fm.height() + kRowGap;
    int nameWidth = 0;
    for (const Row &r : m_rows)
        nameWidth = std::max(nameWidth, fm.horizontalAdvance(r.name));
    const int percentWidth = fm.horizontalAdvance("100.0 %");
    const int barLeft = nameWidth + 8;
    const int barWidth = std::max(10, width() - barLeft - percentWidth - 8);
    const QColor right(46, 139, 87), wrong(200, 60, 60), other = palette().color(QPalette::Mid);
    for (int i = 0; i < m_rows.size(); ++i) {
        const Row &r = m_rows[i];
        const int y = i * rowHeight;
        painter.setPen(palette().color(QPalette::WindowText));
        QFont font = painter.font();
        font.setBold(r.isTrue);
        painter.setFont(font);
        painter.drawText(QRect(0, y, nameWidth, fm.height()), Qt::AlignLeft | Qt::AlignVCenter,
                         r.name);
        const QColor top = m_trueKnown ? wrong : palette().color(QPalette::Highlight);
        const QColor colour = r.isTrue ? right : (i == 0 ? top : other);
        painter.fillRect(QRect(barLeft, y + 2, qRound(barWidth * double(r.probability)),
                               fm.height() - 4),
                         colour);
        painter.drawText(QRect(barLeft + barWidth + 8, y, percentWidth, fm.height()),
                         Qt::AlignRight | Qt::AlignVCenter,
                         QString("%1 %").arg(100.0 * r.probability, 0, 'f', 1));
    }
}

} // namespace normlab::gui
