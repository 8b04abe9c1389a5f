#include "report_html.h"

#include <openssl/evp.h>

#include <sstream>

namespace normlab {

namespace {

// Print-friendly and readable on screen; numbers in tabular figures so columns line up.
constexpr const char *kStyle = R"(
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #1d1d1f;
       max-width: 1180px; margin: 2em auto; padding: 0 1.5em; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; margin-top: 1.8em; border-bottom: 1px solid #d0d0d7; padding-bottom: 0.2em; }
h3 { font-size: 1.05em; margin-top: 1.3em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em;
        font-variant-numeric: tabular-nums; }
th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #e3e3e8; text-align: left; }
th { background: #f3f3f6; border-bottom: 2px solid #c8c8d0; }
td.num, th.num { text-align: right; }
.figures { display: flex; flex-wrap: wrap; gap: 1.2em; align-items: flex-start; }
figure { margin: 0.6em 0; }
figure img { max-width: 100%; height: auto; }
img.pixels { image-rendering: pixelated; }
figcaption { font-size: 0.88em; color: #555; margin-top: 0.3em; max-width: 100%; }
pre { background: #f6f6f8; border: 1px solid #e3e3e8; padding: 0.7em; font-size: 0.82em;
      overflow-x: auto; }
)";

std::string escaped(const std::string &text)
{
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string base64(const std::vector<std::uint8_t> &bytes)
{
    std::string out(4 * ((bytes.size() + 2) / 3), '\0');
    const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                                        bytes.data(), static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(written));
    return out;
}

void writeTable(std::ostringstream &html, const ReportTable &table)
{
    html << "<table>\n<thead><tr>";
    for (std::size_t c = 0; c < table.header.size(); ++c)
        html << (table.isNumeric(c) ? "<th class=\"num\">" : "<th>") << escaped(table.header[c])
             << "</th>";
    html << "</tr></thead>\n<tbody>\n";
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
        html << "<tr>";
        for (std::size_t c = 0; c < table.rows[r].size(); ++c) {
            html << (table.isNumeric(c) ? "<td class=\"num\">" : "<td>");
            if (table.isStrong(r, c))
                html << "<strong>" << escaped(table.rows[r][c]) << "</strong>";
            else
                html << escaped(table.rows[r][c]);
            html << "</td>";
        }
        html << "</tr>\n";
    }
    html << "</tbody>\n</table>\n";
}

void writeFigures(std::ostringstream &html, const std::vector<ReportFigure> &figures)
{
    html << "<div class=\"figures\">\n";
    for (const ReportFigure &f : figures) {
        if (f.png.bytes.empty())
            continue;
        const int width = f.displayWidth > 0 ? f.displayWidth : f.png.width;
        const int height = f.png.width > 0 ? f.png.height * width / f.png.width : f.png.height;
        html << "<figure style=\"max-width: " << width << "px\"><img"
             << (f.displayWidth == 0 ? " class=\"pixels\"" : "") << " id=\"" << escaped(f.name)
             << "\" alt=\"" << escaped(f.caption) << "\" width=\"" << width << "\" height=\""
             << height << "\" src=\"data:image/png;base64," << base64(f.png.bytes) << "\"/>";
        if (!f.caption.empty())
            html << "<figcaption>" << escaped(f.caption) << "</figcaption>";
        html << "</figure>\n";
    }
    html << "</div>\n";
}

} // namespace

std::string reportHtml(const ReportDocument &document)
{
    std::ostringstream html;
    html << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
         << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
         << "<meta name=\"generator\" content=\"NormLab\"/>\n<title>" << escaped(document.title)
         << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n<h1>"
         << escaped(document.title) << "</h1>\n";
    for (const ReportBlock &block : document.blocks) {
        switch (block.kind) {
        case ReportBlock::Kind::Heading: {
            const int level = block.level == 3 ? 3 : 2;
            html << "<h" << level << ">" << escaped(block.text) << "</h" << level << ">\n";
            break;
        }
        case ReportBlock::Kind::Paragraph:
            html << "<p>" << escaped(block.text) << "</p>\n";
            break;
        case ReportBlock::Kind::Table:
            writeTable(html, block.table);
            break;
        case ReportBlock::Kind::Figures:
            writeFigures(html, block.figures);
            break;
        case ReportBlock::Kind::Code:
            html << "<pre><code>" << escaped(block.text) << "</code></pre>\n";
            break;
        }
    }
    html << "</body>\n</html>\n";
    return html.str();
}

} // namespace normlab
