#include "model_summary_view.h"

#include "config.h"
#include "errors.h"
#include "model_spec.h"

#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QScrollBar>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace normlab::gui {

namespace {

enum Column { LayerColumn, TypeColumn, OutputColumn, ParamsColumn, MacsColumn };

// Rows the summary asks room for: most of s8's fourteen blocks.
constexpr int kRowsShown = 10;

QString number(std::int64_t n)
{
    return QLocale().toString(static_cast<qlonglong>(n));
}

// "C2.conv" -> "C2"; a layer without a dot is its own block.
std::string blockOf(const std::string &layer)
{
    return layer.substr(0, layer.find('.'));
}

void fill(QTreeWidgetItem *item, const SummaryRow &row)
{
    item->setText(LayerColumn, QString::fromStdString(row.layer));
    item->setText(TypeColumn, QString::fromStdString(row.type));
    item->setText(OutputColumn,
                  QString("%1×%2×%3").arg(row.channels).arg(row.height).arg(row.width));
    item->setText(ParamsColumn, number(row.params));
    item->setText(MacsColumn, number(row.macs));
    item->setTextAlignment(ParamsColumn, Qt::AlignRight | Qt::AlignVCenter);
    item->setTextAlignment(MacsColumn, Qt::AlignRight | Qt::AlignVCenter);
}

} // namespace

ModelSummaryView::ModelSummaryView(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_totals = new QLabel(this);
    m_totals->setWordWrap(true);
    m_table = new QTreeWidget(this);
    m_table->setHeaderLabels({tr("Layer"), tr("Type"), tr("Output"), tr("Params"), tr("MACs")});
    m_table->setUniformRowHeights(true);
    m_table->setAlternatingRowColors(true);
    m_table->header()->setStretchLastSection(false);
    m_table->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->headerItem()->setTextAlignment(ParamsColumn, Qt::AlignRight);
    m_table->headerItem()->setTextAlignment(MacsColumn, Qt::AlignRight);
    layout->addWidget(m_totals);
    layout->addWidget(m_table, 1);
}

void ModelSummaryView::showModel(const ModelConfig &model)
{
    m_table->clear();
    ModelSummary summary;
    try {
        summary = summarize(buildModelSpec(model));
    } catch (const ConfigError &) {
        m_totals->setText(tr("No model: see the problem in the form"));
        return;
    }
    m_totals->setText(tr("<b>%1</b> parameters, %2 MACs per image")
                              .arg(number(summary.totalParams), number(summary.totalMacs)));
    // One row per block ("C2": its conv, ReLU, norm, dropout and skip add as children), so that a
    // net reads in as many rows as it has blocks.
    for (std::size_t i = 0; i < summary.rows.size();) {
        const std::string block = blockOf(summary.rows[i].layer);
        std::size_t end = i + 1;
        while (end < summary.rows.size() && blockOf(summary.rows[end].layer) == block)
            ++end;
        if (end - i == 1) {
            fill(new QTreeWidgetItem(m_table), summary.rows[i]);
        } else {
            SummaryRow total = summary.rows[end - 1];
            total.layer = block;
            total.type = summary.rows[i].type + " block";
            total.params = total.macs = 0;
            QStringList parts;
            for (std::size_t r = i; r < end; ++r) {
                total.params += summary.rows[r].params;
                total.macs += summary.rows[r].macs;
                parts << QString::fromStdString(summary.rows[r].type);
            }
            auto *parent = new QTreeWidgetItem(m_table);
            fill(parent, total);
            parent->setToolTip(TypeColumn, parts.join(QStringLiteral(" → ")));
            for (std::size_t r = i; r < end; ++r)
                fill(new QTreeWidgetItem(parent), summary.rows[r]);
        }
        i = end;
    }
}

QString ModelSummaryView::totals() const
{
    return m_totals->text();
}

QSize ModelSummaryView::sizeHint() const
{
    // Wide enough for every column and tall enough for s8's layers, so that the splitter it sits in
    // gives it that much when it can.
    const QFontMetrics metrics = m_table->fontMetrics();
    const int padding = 2 * metrics.averageCharWidth() + 6;
    int width = 0;
    for (int c = 0; c < m_table->columnCount(); ++c) {
        int column = m_table->header()->sectionSizeHint(c);
        for (int r = 0; r < m_table->topLevelItemCount(); ++r)
            column = std::max(column, metrics.horizontalAdvance(m_table->topLevelItem(r)->text(c)) +
                                              padding);
        width += column + (c == LayerColumn ? m_table->indentation() : 0);
    }
    const int rowHeight = m_table->fontMetrics().height() + 6;
    const int height = m_totals->sizeHint().height() + m_table->header()->sizeHint().height() +
                       kRowsShown * rowHeight + 2 * m_table->frameWidth();
    return {width + m_table->verticalScrollBar()->sizeHint().width() + 2 * m_table->frameWidth(),
            height};
}

} // namespace normlab::gui
