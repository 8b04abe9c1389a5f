// Shared by the run store's files (run_store*.cpp); not part of the engine's API.
#pragma once

#include <cstdint>

namespace normlab {
class SqliteDb;
}

namespace normlab::detail {

// Joins a run's tags in one column; a tag may not contain it.
constexpr char kTagSeparator = '\x1f';

std::int64_t readPragma(SqliteDb &db, const char *name);

} // namespace normlab::detail
