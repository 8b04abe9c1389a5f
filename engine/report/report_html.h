// A report as one self-contained HTML file: the figures are embedded as data: URIs and the style
// is inline, so the file can be mailed or handed in alone. The markup is well-formed XML
// (XHTML-compatible HTML5) so that it can be checked with any parser.
#pragma once

#include "report_document.h"

#include <string>

namespace normlab {

std::string reportHtml(const ReportDocument &document);

} // namespace normlab
