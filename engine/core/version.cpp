#include "version.h"

#include "git_commit.h"

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
