// The dropout mask as a pure function of (seed, element offset): any pass, in any order, on any
// thread, gets the same mask, so the fused block's backward recomputes it instead of storing it.
#pragma once

#include <cstdint>

namespace normlab {

class DropoutHash
{
public:
    DropoutHash(double p, std::uint64_t seed)
        : m_lo(static_cast<std::uint32_t>(seed)),
          m_hi(static_cast<std::uint32_t>(seed >> 32)),
          // Compare 32 random bits with p scaled to 2^32; p < 1, so this fits.
          m_threshold(static_cast<std::uint32_t>(p * 4294967296.0)),
          m_keepScale(static_cast<float>(1.0 / (1.0 - p)))
    {
    }

    // 0 or 1 / (1 - p) for the element at memory offset i (offsets below 2^32).
    float operator()(std::int64_t i) const
    {
        return bits(static_cast<std::uint32_t>(i)) < m_threshold ? 0.0f : m_keepScale;
    }

    std::uint32_t bits(std::uint32_t i) const { return mix(mix(i ^ m_lo) + m_hi); }
    std::uint32_t threshold() const { return m_threshold; }
    float keepScale() const { return m_keepScale; }

private:
    // A 32-bit integer hash with low bias (Wellons' "lowbias32"); 32-bit lanes, so loops over it
    // vectorize.
    static std::uint32_t mix(std::uint32_t x)
    {
        x ^= x >> 16;
        x *= 0x7feb352dU;
        x ^= x >> 15;
        x *= 0x846ca68bU;
        x ^= x >> 16;
        return x;
    }

    std::uint32_t m_lo;
    std::uint32_t m_hi;
    std::uint32_t m_threshold;
    float m_keepScale;
};

// out[j] = hash(start + j) for j < count: the loop that makes masks, vectorised for the CPU it
// runs on.
void fillDropoutMask(const DropoutHash &hash, std::int64_t start, std::int64_t count, float *out);

} // namespace normlab
