#include "fuzz_input_file.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace normlab::fuzz {

std::string scratchDir()
{
    static const std::string dir = [] {
        const std::filesystem::path base =
                std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
        const auto path = base / ("normlab-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(path);
        return path.string();
    }();
    return dir;
}

std::string writeInput(const std::string &name, const std::uint8_t *data, std::size_t size)
{
    const std::string path = scratchDir() + "/" + name;
    std::FILE *f = std::fopen(path.c_str(), "wb");
    if (!f)
        std::abort(); // the harness itself is broken: not a finding to hide
    if (size > 0 && std::fwrite(data, 1, size, f) != size)
        std::abort();
    std::fclose(f);
    return path;
}

} // namespace normlab::fuzz
