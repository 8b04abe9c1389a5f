// A report as Markdown (GitHub-flavoured: pipe tables, fenced code) with its figures as PNG files
// in a folder beside it, for a repository or a notebook that takes Markdown.
#pragma once

#include "report_document.h"

#include <filesystem>
#include <string>

namespace normlab {

// The Markdown text; figures are referenced as "<imageFolder>/<name>.png".
std::string reportMarkdown(const ReportDocument &document, const std::string &imageFolder);

// Writes <folder>/<stem>.md and <folder>/<stem>_files/*.png, replacing earlier copies (each file
// written whole or not at all). Returns the Markdown file's path. Throws InputError naming the
// file that cannot be written.
std::filesystem::path writeMarkdownReport(const ReportDocument &document,
                                          const std::filesystem::path &folder,
                                          const std::string &stem = "report");

} // namespace normlab
