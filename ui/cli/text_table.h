// Column-aligned plain-text tables for the terminal: widths from the content.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace normlab::cli {

class TextTable
{
public:
    // `align`: one character per column, 'l' or 'r' (numbers); missing ones are 'l'.
    TextTable(std::vector<std::string> header, std::string align);
    void addRow(std::vector<std::string> cells);
    bool empty() const { return m_rows.empty(); }
    void print(std::FILE *out = stdout) const;

private:
    std::vector<std::string> m_header;
    std::string m_align;
    std::vector<std::vector<std::string>> m_rows;
};

// "76.81%": two decimals and the sign.
std::string percent(double value);
// The items with `separator` between them.
std::string joined(const std::vector<std::string> &items, const char *separator);

// printf into a std::string.
std::string format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

} // namespace normlab::cli
