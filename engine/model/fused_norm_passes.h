// The two kinds of pass the fused block makes over [N, C, HW] activations (NCHW or channels-last),
// shared by its forward and backward: per-(sample, channel) sums, and an elementwise map with
// per-(sample, channel) coefficients. Private to engine/model; compiled only into
// fused_norm_block.cpp (with -O3 -fno-trapping-math, which the loops need to vectorise).
#pragma once

#include "dropout_hash.h"

#include <ATen/Parallel.h>
#include <torch/types.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace normlab::fused {

using torch::Tensor;

// Sums over this many elements (rows, for channels-last) are kept in the tensor's own type, then
// added into doubles: exact enough, and the order is fixed, so the result does not depend on the
// thread count.
constexpr std::int64_t kPartialLength = 64;
constexpr std::int64_t kLanes = 8;

// The activations as [N, C, HW], stored either NCHW (a plane of HW per sample and channel) or
// channels-last (a row of C per sample and pixel).
struct Layout
{
    std::int64_t n = 0, c = 0, hw = 0;
    bool channelsLast = false;

    explicit Layout(const Tensor &t)
        : n(t.size(0)), c(t.size(1)), hw(t.size(2) * t.size(3)), channelsLast(!t.is_contiguous())
    {
    }
    at::MemoryFormat format() const
    {
        return channelsLast ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
    }
};

// The dropout factors are written for a stretch of memory at a time into a small buffer (one
// vectorised loop, fillDropoutMask), then read by the pass; without dropout there is no buffer.
// The passes are templates over the mask, so neither variant tests for the other inside its loops.
struct NoMask
{
    static constexpr bool kActive = false;
    void fill(std::int64_t, std::int64_t, float *) const { }
};

struct HashMask
{
    static constexpr bool kActive = true;
    DropoutHash hash;
    void fill(std::int64_t start, std::int64_t count, float *out) const
    {
        fillDropoutMask(hash, start, count, out);
    }
};

template<typename F> void withMask(double p, std::int64_t seed, F f)
{
    if (p > 0)
        f(HashMask {DropoutHash(p, static_cast<std::uint64_t>(seed))});
    else
        f(NoMask {});
}

// Rows of channels-last data handled per mask buffer.
constexpr std::int64_t kRowsPerBuffer = 64;

// For every (sample, channel): sums of first(x, g, keep) and second(x, g, keep) over HW, into
// sumA and sumB ([N * C] doubles). `Terms` returns both for one element.
template<typename T, typename Mask, typename Terms>
void sampleChannelSums(const Layout &l, const T *x, const T *g, const Mask &mask, Terms terms,
                       std::vector<double> &sumA, std::vector<double> &sumB)
{
    sumA.assign(static_cast<std::size_t>(l.n * l.c), 0.0);
    sumB.assign(sumA.size(), 0.0);
    // Terms that take no gradient read x in its place: no test for it in the loops.
    if (!g)
        g = x;
    if (!l.channelsLast) {
        const std::int64_t grain = std::max<std::int64_t>(1, 16384 / l.hw);
        at::parallel_for(0, l.n * l.c, grain, [&](std::int64_t first, std::int64_t last) {
            std::vector<float> keep(Mask::kActive ? static_cast<std::size_t>(l.hw) : 0);
            for (std::int64_t plane = first; plane < last; ++plane) {
                const std::int64_t base = plane * l.hw;
                mask.fill(base, l.hw, keep.data());
                const T *__restrict xp = x + base;
                const T *__restrict gp = g + base;
                const float *__restrict kp = keep.data();
                // kLanes running sums side by side (a fixed order, so the same bits every time),
                // which the compiler turns into vector adds.
                double a = 0, b = 0;
                for (std::int64_t s0 = 0; s0 < l.hw; s0 += kPartialLength) {
                    const std::int64_t s1 = std::min(l.hw, s0 + kPartialLength);
                    T pa[kLanes] = {}, pb[kLanes] = {};
                    std::int64_t s = s0;
                    for (; s + kLanes <= s1; s += kLanes) {
                        for (std::int64_t j = 0; j < kLanes; ++j) {
                            T k = 1;
                            if constexpr (Mask::kActive)
                                k = static_cast<T>(kp[s + j]);
                            const auto [ta, tb] = terms(xp[s + j], gp[s + j], k);
                            pa[j] += ta;
                            pb[j] += tb;
                        }
                    }
                    for (; s < s1; ++s) {
                        T k = 1;
                        if constexpr (Mask::kActive)
                            k = static_cast<T>(kp[s]);
                        const auto [ta, tb] = terms(xp[s], gp[s], k);
                        pa[0] += ta;
                        pb[0] += tb;
                    }
                    for (std::int64_t j = 0; j < kLanes; ++j) {
                        a += pa[j];
                        b += pb[j];
                    }
                }
                sumA[static_cast<std::size_t>(plane)] = a;
                sumB[static_cast<std::size_t>(plane)] = b;
            }
        });
        return;
    }
    at::parallel_for(0, l.n, 1, [&](std::int64_t first, std::int64_t last) {
        const auto c = static_cast<std::size_t>(l.c);
        std::vector<T> pa(c), pb(c);
        std::vector<double> a(c), b(c);
        std::vector<float> keep(Mask::kActive ? c * kPartialLength : 0);
        for (std::int64_t n = first; n < last; ++n) {
            std::fill(a.begin(), a.end(), 0.0);
            std::fill(b.begin(), b.end(), 0.0);
            for (std::int64_t s0 = 0; s0 < l.hw; s0 += kPartialLength) {
                const std::int64_t s1 = std::min(l.hw, s0 + kPartialLength);
                const std::int64_t base = (n * l.hw + s0) * l.c;
                mask.fill(base, (s1 - s0) * l.c, keep.data());
                std::fill(pa.begin(), pa.end(), T(0));
                std::fill(pb.begin(), pb.end(), T(0));
                T *__restrict accA = pa.data();
                T *__restrict accB = pb.data();
                for (std::int64_t s = 0; s < s1 - s0; ++s) {
                    const T *__restrict xr = x + base + s * l.c;
                    const T *__restrict gr = g + base + s * l.c;
                    const float *__restrict kr = keep.data() + (Mask::kActive ? s * l.c : 0);
                    for (std::size_t ch = 0; ch < c; ++ch) {
                        T k = 1;
                        if constexpr (Mask::kActive)
                            k = static_cast<T>(kr[ch]);
                        const auto [ta, tb] = terms(xr[ch], gr[ch], k);
                        accA[ch] += ta;
                        accB[ch] += tb;
                    }
                }
                for (std::size_t ch = 0; ch < c; ++ch) {
                    a[ch] += pa[ch];
                    b[ch] += pb[ch];
                }
            }
            std::copy(a.begin(), a.end(), sumA.begin() + n * l.c);
            std::copy(b.begin(), b.end(), sumB.begin() + n * l.c);
        }
    });
}

// out[i] = apply(x[i], g[i], res[i], keep[i], p[nc], q[nc], r[nc]) for every element, where nc is
// the element's (sample, channel) and p, q, r are per-(sample, channel) coefficients.
template<typename T, bool kResidual, typename Mask, typename Apply>
void elementwiseWith(const Layout &l, T *out, const T *x, const T *g, const T *res,
                     const Mask &mask, const std::vector<T> &p, const std::vector<T> &q,
                     const std::vector<T> &r, Apply apply)
{
    if (!l.channelsLast) {
        const std::int64_t grain = std::max<std::int64_t>(1, 16384 / l.hw);
        at::parallel_for(0, l.n * l.c, grain, [&](std::int64_t first, std::int64_t last) {
            std::vector<float> keep(Mask::kActive ? static_cast<std::size_t>(l.hw) : 0);
            for (std::int64_t plane = first; plane < last; ++plane) {
                const auto k = static_cast<std::size_t>(plane);
                const T pk = p[k], qk = q[k], rk = r[k];
                const std::int64_t base = plane * l.hw;
                mask.fill(base, l.hw, keep.data());
                T *__restrict op = out + base;
                const T *__restrict xp = x + base;
                const T *__restrict gp = g + base;
                const T *__restrict rp = res + base;
                const float *__restrict kp = keep.data();
                for (std::int64_t s = 0; s < l.hw; ++s) {
                    T kk = 1, add = 0;
                    if constexpr (Mask::kActive)
                        kk = static_cast<T>(kp[s]);
                    if constexpr (kResidual)
                        add = rp[s];
                    op[s] = apply(xp[s], gp[s], add, kk, pk, qk, rk);
                }
            }
        });
        return;
    }
    const std::int64_t grain = std::max<std::int64_t>(kRowsPerBuffer, 16384 / l.c);
    at::parallel_for(0, l.n * l.hw, grain, [&](std::int64_t first, std::int64_t last) {
        const auto c = static_cast<std::size_t>(l.c);
        std::vector<float> keep(Mask::kActive ? c * kRowsPerBuffer : 0);
        for (std::int64_t row0 = first; row0 < last; row0 += kRowsPerBuffer) {
            const std::int64_t row1 = std::min(last, row0 + kRowsPerBuffer);
            mask.fill(row0 * l.c, (row1 - row0) * l.c, keep.data());
            for (std::int64_t row = row0; row < row1; ++row) {
                const std::int64_t n = row / l.hw;
                const T *__restrict pn = p.data() + n * l.c;
                const T *__restrict qn = q.data() + n * l.c;
                const T *__restrict rn = r.data() + n * l.c;
                const std::int64_t base = row * l.c;
                T *__restrict orow = out + base;
                const T *__restrict xr = x + base;
                const T *__restrict gr = g + base;
                const T *__restrict rr = res + base;
                const float *__restrict kr = keep.data() + (Mask::kActive ? (row - row0) * l.c : 0);
                for (std::size_t ch = 0; ch < c; ++ch) {
                    T kk = 1, add = 0;
                    if constexpr (Mask::kActive)
                        kk = static_cast<T>(kr[ch]);
                    if constexpr (kResidual)
                        add = rr[ch];
                    orow[ch] = apply(xr[ch], gr[ch], add, kk, pn[ch], qn[ch], rn[ch]);
                }
            }
        }
    });
}

// out[i] = apply(x[i], g[i], res[i], keep[i], p[nc], q[nc], r[nc]) for every element, where nc is
// the element's (sample, channel) and p, q, r are per-(sample, channel) coefficients. g and res
// may be null: apply then gets x and 0 for them, without a test in the loop.
template<typename T, typename Mask, typename Apply>
void elementwise(const Layout &l, T *out, const T *x, const T *g, const T *res, const Mask &mask,
                 const std::vector<T> &p, const std::vector<T> &q, const std::vector<T> &r,
                 Apply apply)
{
    if (res)
        elementwiseWith<T, true>(l, out, x, g ? g : x, res, mask, p, q, r, apply);
    else
        elementwiseWith<T, false>(l, out, x, g ? g : x, x, mask, p, q, r, apply);
}

} // namespace normlab::fused
