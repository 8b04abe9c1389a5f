#include "version.h"

namespace normlab {

std::string version()
{
    return NORMLAB_VERSION;
}

std::string gitCommit()
{
    return NORMLAB_GIT_COMMIT;
}

} // namespace normlab
