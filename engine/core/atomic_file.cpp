#include "atomic_file.h"

#include "errors.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <unistd.h>

namespace normlab {

void writeFileAtomically(const std::string &path, std::string_view content)
{
    const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    std::FILE *f = std::fopen(tmp.c_str(), "wb");
    if (!f)
        throw InputError(path + ": cannot write: " + std::strerror(errno));
    const bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size() &&
                    std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
    const int error = errno;
    std::fclose(f);
    if (!ok) {
        std::remove(tmp.c_str());
        throw InputError(path + ": write failed: " + std::strerror(error));
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        throw InputError(path + ": cannot put the file in place: " + ec.message());
    }
}

} // namespace normlab
