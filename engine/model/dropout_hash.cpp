#include "dropout_hash.h"

namespace normlab {

// One clone per instruction set: AVX2 multiplies eight 32-bit lanes at once, where plain x86-64
// (SSE2) has no 32-bit lane multiply at all; the loader picks the clone for the CPU. Not under
// ThreadSanitizer: the loader runs the clone's resolver before TSan's runtime is up, and the
// instrumented resolver crashes the program at start.
#if defined(__SANITIZE_THREAD__)
#define NORMLAB_CPU_CLONES
#else
#define NORMLAB_CPU_CLONES __attribute__((target_clones("avx2", "default")))
#endif
NORMLAB_CPU_CLONES void
fillDropoutMask(const DropoutHash &hash, std::int64_t start, std::int64_t count, float *out)
{
    const std::uint32_t threshold = hash.threshold();
    const float keep = hash.keepScale();
    const auto first = static_cast<std::uint32_t>(start);
    for (std::int64_t j = 0; j < count; ++j)
        out[j] = hash.bits(first + static_cast<std::uint32_t>(j)) < threshold ? 0.0f : keep;
}

} // namespace normlab
