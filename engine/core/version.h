#pragma once

#include <string>

namespace normlab {

std::string version(); // e.g. "0.1.0"
std::string gitCommit(); // the commit the build came from, or "unknown"

} // namespace normlab
