// Files that are either wholly there or not at all: written beside the target, flushed to disk,
// then renamed over it. Exports and config files use it; a crash never leaves half a file.
#pragma once

#include <string>
#include <string_view>

namespace normlab {

// Throws InputError naming the file.
void writeFileAtomically(const std::string &path, std::string_view content);

} // namespace normlab
