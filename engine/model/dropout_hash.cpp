#include "dropout_hash.h"

namespace normlab {

// One clone per instruction set: AVX2 multiplies eight 32-bit lanes at once, where plain x86-64
// (SSE2) has no 32-bit lane multiply at all; the loader picks the clone for the CPU.
__attribute__((target_clones("avx2", "default"))) void
fillDropoutMask(const DropoutHash &hash, std::int64_t start, std::int64_t count, float *out)
{
    const std::uint32_t threshold = hash.threshold();
    const float keep = hash.keepScale();
    const auto first = static_cast<std::uint32_t>(start);
    for (std::int64_t j = 0; j < count; ++j)
        out[j] = hash.bits(first + static_cast<std::uint32_t>(j)) < threshold ? 0.0f : keep;
}

} // namespace normlab
