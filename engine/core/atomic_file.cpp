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
    std::error_code isDir;
    if (std::filesystem::is_directory(path, isDir))
        throw InputError(path + ": is a folder; give the name of a file to write");
    const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    std::FILE *f = std::fopen(tmp.c_str(), "wb");
    if (!f)
        throw InputError(path + ": cannot write: " + std::strerror(errno));
    bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size() &&
              std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
    int error = ok ? 0 : errno;
    // Some file systems (NFS, a full disk under delayed allocation) report the failure at close.
    if (std::fclose(f) != 0 && ok) {
        ok = false;
        error = errno;
    }
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
