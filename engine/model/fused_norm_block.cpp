#include "fused_norm_block.h"

#include "dropout_hash.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/autograd.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace normlab {

namespace {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

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

template <typename F>
void withMask(double p, std::int64_t seed, F f)
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
template <typename T, typename Mask, typename Terms>
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
template <typename T, bool kResidual, typename Mask, typename Apply>
void elementwiseWith(const Layout &l, T *out, const T *x, const T *g, const T *res, const Mask &mask,
                     const std::vector<T> &p, const std::vector<T> &q, const std::vector<T> &r, Apply apply)
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
template <typename T, typename Mask, typename Apply>
void elementwise(const Layout &l, T *out, const T *x, const T *g, const T *res, const Mask &mask,
                 const std::vector<T> &p, const std::vector<T> &q, const std::vector<T> &r, Apply apply)
{
    if (res)
        elementwiseWith<T, true>(l, out, x, g ? g : x, res, mask, p, q, r, apply);
    else
        elementwiseWith<T, false>(l, out, x, g ? g : x, x, mask, p, q, r, apply);
}

template <typename T>
const T *dataOrNull(const Tensor &t)
{
    return t.defined() ? t.data_ptr<T>() : nullptr;
}

// The per-statistic-group view: which (sample, channel) pairs share one mean and variance.
struct StatGroups
{
    const Layout &l;
    const FusedNormOptions::Stats kind;
    const std::int64_t groups; // PerSampleGroup only

    std::int64_t count() const { return kind == FusedNormOptions::Stats::PerChannel ? l.c : l.n * groups; }
    std::int64_t of(std::int64_t n, std::int64_t ch) const
    {
        return kind == FusedNormOptions::Stats::PerChannel ? ch : n * groups + ch / (l.c / groups);
    }
    // Elements behind one statistic.
    double members() const
    {
        return kind == FusedNormOptions::Stats::PerChannel
                ? static_cast<double>(l.n * l.hw)
                : static_cast<double>((l.c / groups) * l.hw);
    }
};

class FusedNormBlockFunction : public torch::autograd::Function<FusedNormBlockFunction>
{
public:
    static Tensor forward(AutogradContext *ctx, const Tensor &conv, const c10::optional<Tensor> &residual,
                          const c10::optional<Tensor> &weight, const c10::optional<Tensor> &bias,
                          const FusedNormOptions &o)
    {
        const Layout l(conv);
        const StatGroups groups {l, o.stats, o.groups};
        const Tensor res = residual.value_or(Tensor());
        const Tensor w = weight.value_or(Tensor());
        const Tensor b = bias.value_or(Tensor());
        const bool batchStats = o.stats == FusedNormOptions::Stats::PerSampleGroup || o.useBatchStats;
        // mean and 1 / std per statistic, kept for the backward pass
        std::vector<double> mean(static_cast<std::size_t>(groups.count())), rstd(mean.size());
        Tensor out = at::empty_like(conv);

        AT_DISPATCH_FLOATING_TYPES(conv.scalar_type(), "fusedNormBlock", [&] {
            using T = scalar_t;
            const T *x = conv.data_ptr<T>();
            if (batchStats) {
                std::vector<double> sum, sumSquares;
                sampleChannelSums<T>(l, x, nullptr, NoMask {},
                                     [](T v, T, T) {
                                         const T r = std::max(v, T(0));
                                         return std::pair<T, T>(r, r * r);
                                     },
                                     sum, sumSquares);
                std::vector<double> s(mean.size(), 0.0), q(mean.size(), 0.0);
                for (std::int64_t n = 0; n < l.n; ++n)
                    for (std::int64_t ch = 0; ch < l.c; ++ch) {
                        const auto k = static_cast<std::size_t>(groups.of(n, ch));
                        s[k] += sum[static_cast<std::size_t>(n * l.c + ch)];
                        q[k] += sumSquares[static_cast<std::size_t>(n * l.c + ch)];
                    }
                const double m = groups.members();
                const bool updateRunning =
                        o.stats == FusedNormOptions::Stats::PerChannel && o.runningMean.defined();
                T *rm = updateRunning ? o.runningMean.data_ptr<T>() : nullptr;
                T *rv = updateRunning ? o.runningVar.data_ptr<T>() : nullptr;
                for (std::size_t k = 0; k < mean.size(); ++k) {
                    mean[k] = s[k] / m;
                    const double var = std::max(0.0, q[k] / m - mean[k] * mean[k]);
                    rstd[k] = 1.0 / std::sqrt(var + o.eps);
                    if (updateRunning) {
                        rm[k] = static_cast<T>((1 - o.momentum) * rm[k] + o.momentum * mean[k]);
                        rv[k] = static_cast<T>((1 - o.momentum) * rv[k] + o.momentum * var * m / (m - 1));
                    }
                }
                if (o.stats == FusedNormOptions::Stats::PerChannel && o.numBatchesTracked.defined()) {
                    torch::NoGradGuard noGrad;
                    o.numBatchesTracked.add_(1);
                }
            } else {
                const Tensor rm = o.runningMean.to(torch::kDouble).contiguous();
                const Tensor rv = o.runningVar.to(torch::kDouble).contiguous();
                for (std::size_t k = 0; k < mean.size(); ++k) {
                    mean[k] = rm.data_ptr<double>()[k];
                    rstd[k] = 1.0 / std::sqrt(rv.data_ptr<double>()[k] + o.eps);
                }
            }
            const T *gamma = dataOrNull<T>(w), *beta = dataOrNull<T>(b);
            std::vector<T> scale(static_cast<std::size_t>(l.n * l.c)), shift(scale.size()), unused;
            for (std::int64_t n = 0; n < l.n; ++n)
                for (std::int64_t ch = 0; ch < l.c; ++ch) {
                    const auto k = static_cast<std::size_t>(groups.of(n, ch));
                    const double sc = rstd[k] * (gamma ? static_cast<double>(gamma[ch]) : 1.0);
                    scale[static_cast<std::size_t>(n * l.c + ch)] = static_cast<T>(sc);
                    shift[static_cast<std::size_t>(n * l.c + ch)] =
                            static_cast<T>((beta ? static_cast<double>(beta[ch]) : 0.0) - mean[k] * sc);
                }
            unused.assign(scale.size(), T(0));
            T *y = out.data_ptr<T>();
            const T *add = dataOrNull<T>(res);
            withMask(o.dropout, static_cast<std::int64_t>(o.seed), [&](const auto &mask) {
                elementwise<T>(l, y, x, nullptr, add, mask, scale, shift, unused,
                               [](T v, T, T r, T keep, T sc, T sh, T) {
                                   const T relu = std::max(v, T(0));
                                   return (relu * sc + sh) * keep + r;
                               });
            });
        });

        Tensor stats = torch::empty({2, groups.count()}, torch::kDouble);
        std::copy(mean.begin(), mean.end(), stats.data_ptr<double>());
        std::copy(rstd.begin(), rstd.end(), stats.data_ptr<double>() + groups.count());
        ctx->save_for_backward({conv, w, stats});
        ctx->saved_data["stats_kind"] = static_cast<std::int64_t>(o.stats);
        ctx->saved_data["groups"] = static_cast<std::int64_t>(o.groups);
        ctx->saved_data["batch_stats"] = batchStats;
        ctx->saved_data["dropout"] = o.dropout;
        ctx->saved_data["seed"] = static_cast<std::int64_t>(o.seed);
        ctx->saved_data["has_residual"] = res.defined();
        ctx->saved_data["has_bias"] = b.defined();
        return out;
    }

    static variable_list backward(AutogradContext *ctx, variable_list gradOutputs)
    {
        const variable_list saved = ctx->get_saved_variables();
        const Tensor &conv = saved[0];
        const Tensor &w = saved[1];
        const Tensor &stats = saved[2];
        const Layout l(conv);
        const auto kind = static_cast<FusedNormOptions::Stats>(ctx->saved_data["stats_kind"].toInt());
        const StatGroups groups {l, kind, ctx->saved_data["groups"].toInt()};
        const bool batchStats = ctx->saved_data["batch_stats"].toBool();
        const double dropout = ctx->saved_data["dropout"].toDouble();
        const std::int64_t seed = ctx->saved_data["seed"].toInt();
        const Tensor g = gradOutputs[0].contiguous(l.format());
        const double *mean = stats.data_ptr<double>();
        const double *rstd = mean + groups.count();

        Tensor gradConv = at::empty_like(conv);
        Tensor gradWeight = w.defined() ? at::empty_like(w) : Tensor();
        Tensor gradBias = ctx->saved_data["has_bias"].toBool() ? conv.new_empty({l.c}) : Tensor();
        AT_DISPATCH_FLOATING_TYPES(conv.scalar_type(), "fusedNormBlockBackward", [&] {
            using T = scalar_t;
            const T *x = conv.data_ptr<T>();
            const T *gy = g.data_ptr<T>();
            // Per (sample, channel): sum of g * mask, and of g * mask * relu(x).
            std::vector<double> sumG, sumGr;
            withMask(dropout, seed, [&](const auto &mask) {
                sampleChannelSums<T>(l, x, gy, mask,
                                     [](T v, T grad, T keep) {
                                         const T d = grad * keep;
                                         return std::pair<T, T>(d, d * std::max(v, T(0)));
                                     },
                                     sumG, sumGr);
            });
            const T *gamma = dataOrNull<T>(w);
            auto gammaOf = [&](std::int64_t ch) { return gamma ? static_cast<double>(gamma[ch]) : 1.0; };
            std::vector<double> s1(static_cast<std::size_t>(groups.count()), 0.0), s2(s1.size(), 0.0);
            for (std::int64_t n = 0; n < l.n; ++n)
                for (std::int64_t ch = 0; ch < l.c; ++ch) {
                    const auto k = static_cast<std::size_t>(groups.of(n, ch));
                    const auto nc = static_cast<std::size_t>(n * l.c + ch);
                    s1[k] += gammaOf(ch) * sumG[nc];
                    s2[k] += gammaOf(ch) * sumGr[nc];
                }
            // With xhat = (relu(x) - mean) * rstd, dy = g * mask and dxhat = dy * gamma, the norm's
            // gradient is rstd * (dxhat - (s1 + xhat * q) / m), s1 = sum(dxhat), q = sum(dxhat * xhat)
            // over the statistic's m members. Expanded, per (sample, channel) and where x > 0:
            // dx = A * dy + B * x + D. With the running statistics (eval), only A remains.
            const double m = groups.members();
            std::vector<T> a(static_cast<std::size_t>(l.n * l.c)), bcoef(a.size()), dcoef(a.size());
            std::vector<double> gw(static_cast<std::size_t>(l.c), 0.0), gb(gw.size(), 0.0);
            for (std::int64_t n = 0; n < l.n; ++n)
                for (std::int64_t ch = 0; ch < l.c; ++ch) {
                    const auto k = static_cast<std::size_t>(groups.of(n, ch));
                    const auto nc = static_cast<std::size_t>(n * l.c + ch);
                    const double q = batchStats ? rstd[k] * (s2[k] - mean[k] * s1[k]) : 0.0;
                    a[nc] = static_cast<T>(rstd[k] * gammaOf(ch));
                    bcoef[nc] = static_cast<T>(batchStats ? -rstd[k] * rstd[k] * q / m : 0.0);
                    dcoef[nc] = static_cast<T>(batchStats ? rstd[k] * (mean[k] * rstd[k] * q - s1[k]) / m : 0.0);
                    gw[static_cast<std::size_t>(ch)] += rstd[k] * (sumGr[nc] - mean[k] * sumG[nc]);
                    gb[static_cast<std::size_t>(ch)] += sumG[nc];
                }
            T *dx = gradConv.data_ptr<T>();
            withMask(dropout, seed, [&](const auto &mask) {
                elementwise<T>(l, dx, x, gy, nullptr, mask, a, bcoef, dcoef,
                               [](T v, T grad, T, T keep, T ca, T cb, T cd) {
                                   return v > T(0) ? grad * keep * ca + v * cb + cd : T(0);
                               });
            });
            if (gradWeight.defined())
                for (std::int64_t ch = 0; ch < l.c; ++ch)
                    gradWeight.data_ptr<T>()[ch] = static_cast<T>(gw[static_cast<std::size_t>(ch)]);
            if (gradBias.defined())
                for (std::int64_t ch = 0; ch < l.c; ++ch)
                    gradBias.data_ptr<T>()[ch] = static_cast<T>(gb[static_cast<std::size_t>(ch)]);
        });
        const bool hasResidual = ctx->saved_data["has_residual"].toBool();
        return {gradConv, hasResidual ? gradOutputs[0] : Tensor(), gradWeight, gradBias, Tensor()};
    }
};

} // namespace

bool canFuseNormBlock(const Tensor &conv, const Tensor &residual, const Tensor &weight, const Tensor &bias)
{
    if (!conv.defined() || conv.dim() != 4 || !conv.device().is_cpu() || conv.numel() == 0
        || conv.numel() >= (std::int64_t(1) << 32))
        return false;
    const auto type = conv.scalar_type();
    if (type != torch::kFloat && type != torch::kDouble)
        return false;
    const bool nchw = conv.is_contiguous();
    if (!nchw && !conv.is_contiguous(at::MemoryFormat::ChannelsLast))
        return false;
    const auto format = nchw ? at::MemoryFormat::Contiguous : at::MemoryFormat::ChannelsLast;
    if (residual.defined()
        && (residual.sizes() != conv.sizes() || residual.scalar_type() != type
            || !residual.device().is_cpu() || !residual.is_contiguous(format)))
        return false;
    for (const Tensor &p : {weight, bias}) {
        if (p.defined()
            && (p.dim() != 1 || p.size(0) != conv.size(1) || p.scalar_type() != type
                || !p.device().is_cpu() || !p.is_contiguous()))
            return false;
    }
    return true;
}

Tensor fusedNormBlock(const Tensor &conv, const Tensor &residual, const Tensor &weight,
                      const Tensor &bias, const FusedNormOptions &options)
{
    TORCH_CHECK(canFuseNormBlock(conv, residual, weight, bias),
                "fusedNormBlock: tensors it cannot take (check canFuseNormBlock first)");
    TORCH_CHECK(options.stats == FusedNormOptions::Stats::PerChannel || (options.groups > 0 && conv.size(1) % options.groups == 0),
                "fusedNormBlock: ", conv.size(1), " channels do not split into ", options.groups, " groups");
    TORCH_CHECK(options.dropout >= 0 && options.dropout < 1, "fusedNormBlock: dropout must be in [0, 1)");
    if (options.stats == FusedNormOptions::Stats::PerChannel) {
        TORCH_CHECK(options.useBatchStats || (options.runningMean.defined() && options.runningVar.defined()),
                    "fusedNormBlock: no running statistics to normalise with");
        TORCH_CHECK(!options.useBatchStats || conv.size(0) * conv.size(2) * conv.size(3) > 1,
                    "fusedNormBlock: BatchNorm needs more than one value per channel in training");
        for (const Tensor &t : {options.runningMean, options.runningVar})
            TORCH_CHECK(!t.defined() || (t.scalar_type() == conv.scalar_type() && t.is_contiguous() && t.numel() == conv.size(1)),
                        "fusedNormBlock: running statistics must be ", conv.size(1), " contiguous values of the input's type");
    }
    auto optional = [](const Tensor &t) { return t.defined() ? c10::optional<Tensor>(t) : c10::nullopt; };
    return FusedNormBlockFunction::apply(conv, optional(residual), optional(weight), optional(bias), options);
}

} // namespace normlab
