#include "report_markdown.h"

#include "atomic_file.h"
#include "errors.h"

#include <sstream>

namespace normlab {

namespace {

// Inside a table cell a pipe ends the cell and a newline the row.
std::string cell(const std::string &text)
{
    std::string out;
    for (const char c : text) {
        if (c == '|')
            out += "\\|";
        else if (c == '\n')
            out += ' ';
        else
            out += c;
    }
    return out;
}

// Markdown would read "*", "_", "[" and friends in names as markup (a pipe only matters in a
// table cell: see cell()).
std::string inlineText(const std::string &text)
{
    std::string out;
    for (const char c : text) {
        if (std::string_view("\\`*_[]<>").find(c) != std::string_view::npos)
            out += '\\';
        out += c;
    }
    // "#" makes a heading only at the start of a line: "#9" inside a sentence stays as it is.
    if (out.starts_with('#'))
        out.insert(out.begin(), '\\');
    return out;
}

void writeTable(std::ostringstream &md, const ReportTable &table)
{
    md << '|';
    for (const std::string &h : table.header)
        md << ' ' << cell(inlineText(h)) << " |";
    md << "\n|";
    for (std::size_t c = 0; c < table.header.size(); ++c)
        md << (table.isNumeric(c) ? " ---: |" : " --- |");
    md << '\n';
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
        md << '|';
        for (std::size_t c = 0; c < table.rows[r].size(); ++c) {
            const std::string text = cell(inlineText(table.rows[r][c]));
            md << ' ' << (table.isStrong(r, c) && !text.empty() ? "**" + text + "**" : text)
               << " |";
        }
        md << '\n';
    }
    md << '\n';
}

} // namespace

std::string reportMarkdown(const ReportDocument &document, const std::string &imageFolder)
{
    std::ostringstream md;
    md << "# " << inlineText(document.title) << "\n\n";
    for (const ReportBlock &block : document.blocks) {
        switch (block.kind) {
        case ReportBlock::Kind::Heading:
            md << (block.level == 3 ? "### " : "## ") << inlineText(block.text) << "\n\n";
            break;
        case ReportBlock::Kind::Paragraph:
            md << inlineText(block.text) << "\n\n";
            break;
        case ReportBlock::Kind::Table:
            writeTable(md, block.table);
            break;
        case ReportBlock::Kind::Figures:
            for (const ReportFigure &f : block.figures) {
                if (f.png.bytes.empty())
                    continue;
                md << "![" << cell(inlineText(f.caption)) << "](" << imageFolder << '/' << f.name
                   << ".png)\n\n";
                if (!f.caption.empty())
                    md << '*' << inlineText(f.caption) << "*\n\n";
            }
            break;
        case ReportBlock::Kind::Code:
            md << "```json\n" << block.text << (block.text.ends_with('\n') ? "" : "\n")
               << "```\n\n";
            break;
        }
    }
    return md.str();
}

std::filesystem::path writeMarkdownReport(const ReportDocument &document,
                                          const std::filesystem::path &folder,
                                          const std::string &stem)
{
    const std::string imageFolder = stem + "_files";
    std::error_code error;
    std::filesystem::create_directories(folder / imageFolder, error);
    if (!std::filesystem::is_directory(folder / imageFolder))
        throw InputError((folder / imageFolder).string() + ": the folder cannot be created");
    for (const ReportBlock &block : document.blocks)
        for (const ReportFigure &f : block.figures)
            if (!f.png.bytes.empty())
                writeFileAtomically((folder / imageFolder / (f.name + ".png")).string(),
                                    std::string(f.png.bytes.begin(), f.png.bytes.end()));
    const std::filesystem::path path = folder / (stem + ".md");
    writeFileAtomically(path.string(), reportMarkdown(document, imageFolder));
    return path;
}

} // namespace normlab
