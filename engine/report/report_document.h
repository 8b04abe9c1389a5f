// A report as plain blocks (headings, paragraphs, tables, figures, code), built once from the
// store and written out by two writers: self-contained HTML and Markdown with a folder of PNGs.
// Nothing here knows either format, so both say the same thing.
#pragma once

#include "mistake_grid.h" // PngImage

#include <string>
#include <vector>

namespace normlab {

struct ReportTable
{
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows; // each as long as the header
    std::vector<bool> numeric; // per column: right-aligned; missing = text
    std::vector<std::vector<bool>> strong; // [row][column]: the best value, set in bold
    bool isNumeric(std::size_t column) const;
    bool isStrong(std::size_t row, std::size_t column) const;
};

struct ReportFigure
{
    std::string name; // file name without ".png", unique in the report
    std::string caption;
    PngImage png;
    int displayWidth = 0; // CSS pixels; 0 = the image's own width
};

struct ReportBlock
{
    enum class Kind { Heading, Paragraph, Table, Figures, Code };
    Kind kind = Kind::Paragraph;
    int level = 2; // of a heading: 2 or 3 (the title is the one level-1 heading)
    std::string text; // a heading's or paragraph's text, or the code
    ReportTable table;
    std::vector<ReportFigure> figures; // side by side where the page is wide enough
};

struct ReportDocument
{
    std::string title;
    std::vector<ReportBlock> blocks;

    void heading(std::string text, int level = 2);
    void paragraph(std::string text);
    void table(ReportTable table);
    void figures(std::vector<ReportFigure> figures);
    void code(std::string text);
};

} // namespace normlab
