#include "process_env.h"

#include <cstdlib>
#include <malloc.h>
#include <mutex>
#include <unistd.h>

namespace normlab {

void ensureOpenMpWaitPolicy(char **argv)
{
    if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT"))
        return; // the user chose; respect it
    ::setenv("OMP_WAIT_POLICY", "passive", 1);
    ::execv("/proc/self/exe", argv);
    // exec failed (no /proc?): carry on with the spinning default rather than not at all
}

void tuneMemoryAllocator()
{
    static std::once_flag once;
    std::call_once(once, [] {
        ::mallopt(M_MMAP_MAX, 0);
        ::mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
    });
}

void useOneMallocArena()
{
    ::mallopt(M_ARENA_MAX, 1);
}

} // namespace normlab
