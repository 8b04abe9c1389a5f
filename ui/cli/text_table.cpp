#include "text_table.h"

#include <algorithm>
#include <cstdarg>

namespace normlab::cli {

namespace {

// Display width of UTF-8 text: count the bytes that start a character.
std::size_t displayWidth(const std::string &text)
{
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

} // namespace

TextTable::TextTable(std::vector<std::string> header, std::string align)
    : m_header(std::move(header)), m_align(std::move(align))
{
    m_align.resize(m_header.size(), 'l');
}

void TextTable::addRow(std::vector<std::string> cells)
{
    cells.resize(m_header.size());
    m_rows.push_back(std::move(cells));
}

void TextTable::print(std::FILE *out) const
{
    std::vector<std::size_t> widths(m_header.size());
    for (std::size_t c = 0; c < m_header.size(); ++c) {
        widths[c] = displayWidth(m_header[c]);
        for (const auto &row : m_rows)
            widths[c] = std::max(widths[c], displayWidth(row[c]));
    }
    auto printRow = [&](const std::vector<std::string> &row) {
        std::string line;
        for (std::size_t c = 0; c < row.size(); ++c) {
            const std::string padding(widths[c] - displayWidth(row[c]), ' ');
            const bool right = m_align[c] == 'r';
            line += right ? padding + row[c] : row[c] + (c + 1 < row.size() ? padding : "");
            if (c + 1 < row.size())
                line += "  ";
        }
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        std::fprintf(out, "%s\n", line.c_str());
    };
    printRow(m_header);
    for (const auto &row : m_rows)
        printRow(row);
}

std::string format(const char *fmt, ...)
{
    char buffer[512];
    va_list args;
    va_start(args, fmt);
    const int n = std::vsnprintf(buffer, sizeof buffer, fmt, args);
    va_end(args);
    return n < 0 ? std::string()
                 : std::string(buffer, std::min<std::size_t>(static_cast<std::size_t>(n),
                                                             sizeof buffer - 1));
}

std::string percent(double value)
{
    return format("%.2f%%", value);
}

std::string joined(const std::vector<std::string> &items, const char *separator)
{
    std::string out;
    for (const std::string &s : items)
        out += (out.empty() ? "" : separator) + s;
    return out;
}

} // namespace normlab::cli
