// The fuzz targets feed NormLab's readers the way users do, through files: each input is written
// to one scratch file (in /dev/shm when there is one, so it stays in memory) and the reader opens
// it by name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace normlab::fuzz {

// Writes `data` to a scratch file named `name` in this process's scratch folder; returns its path.
std::string writeInput(const std::string &name, const std::uint8_t *data, std::size_t size);
// This process's scratch folder (made on first use).
std::string scratchDir();

} // namespace normlab::fuzz
