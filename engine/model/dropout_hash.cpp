#include "dropout_hash.h"

#include "cpu_clones.h"

namespace normlab {

NORMLAB_CPU_CLONES void fillDropoutMask(const DropoutHash &hash, std::int64_t start,
                                        std::int64_t count, float *out)
{
    const std::uint32_t threshold = hash.threshold();
    const float keep = hash.keepScale();
    const auto first = static_cast<std::uint32_t>(start);
    for (std::int64_t j = 0; j < count; ++j)
        out[j] = hash.bits(first + static_cast<std::uint32_t>(j)) < threshold ? 0.0f : keep;
}

} // namespace normlab
