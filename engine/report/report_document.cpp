#include "report_document.h"

#include <utility>

namespace normlab {

bool ReportTable::isNumeric(std::size_t column) const
{
    return column < numeric.size() && numeric[column];
}

bool ReportTable::isStrong(std::size_t row, std::size_t column) const
{
    return row < strong.size() && column < strong[row].size() && strong[row][column];
}

void ReportDocument::heading(std::string text, int level)
{
    ReportBlock block;
    block.kind = ReportBlock::Kind::Heading;
    block.level = level;
    block.text = std::move(text);
    blocks.push_back(std::move(block));
}

void ReportDocument::paragraph(std::string text)
{
    ReportBlock block;
    block.kind = ReportBlock::Kind::Paragraph;
    block.text = std::move(text);
    blocks.push_back(std::move(block));
}

void ReportDocument::table(ReportTable table)
{
    ReportBlock block;
    block.kind = ReportBlock::Kind::Table;
    block.table = std::move(table);
    blocks.push_back(std::move(block));
}

void ReportDocument::figures(std::vector<ReportFigure> figures)
{
    ReportBlock block;
    block.kind = ReportBlock::Kind::Figures;
    block.figures = std::move(figures);
    blocks.push_back(std::move(block));
}

void ReportDocument::code(std::string text)
{
    ReportBlock block;
    block.kind = ReportBlock::Kind::Code;
    block.text = std::move(text);
    blocks.push_back(std::move(block));
}

} // namespace normlab
