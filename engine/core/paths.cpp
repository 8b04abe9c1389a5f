#include "paths.h"

#include <cstdlib>
#include <filesystem>

namespace normlab {

std::string userDataDir()
{
    const char *xdg = std::getenv("XDG_DATA_HOME");
    std::filesystem::path base;
    if (xdg && *xdg && std::filesystem::path(xdg).is_absolute()) {
        base = xdg;
    } else {
        const char *home = std::getenv("HOME");
        base = std::filesystem::path(home && *home ? home : ".") / ".local" / "share";
    }
    return (base / "normlab").string();
}

std::string cifar10Dir()
{
    return (std::filesystem::path(userDataDir()) / "cifar-10-batches-bin").string();
}

} // namespace normlab
