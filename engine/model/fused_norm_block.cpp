#include "fused_norm_block.h"

#include "collectives.h"
#include "fused_norm_passes.h"

#include <ATen/Dispatch.h>
#include <torch/autograd.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace normlab {

namespace {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;
using namespace fused;

template<typename T> const T *dataOrNull(const Tensor &t)
{
    return t.defined() ? t.data_ptr<T>() : nullptr;
}

// Sums `a` and `b` elementwise over the ranks of `sync` (one all-reduce), and `extra` with them.
void sumOverRanks(Collectives *sync, std::vector<double> &a, std::vector<double> &b, double &extra)
{
    if (!sync)
        return;
    const auto n = static_cast<std::int64_t>(a.size());
    Tensor packed = torch::empty({2 * n + 1}, torch::kDouble);
    double *p = packed.data_ptr<double>();
    std::copy(a.begin(), a.end(), p);
    std::copy(b.begin(), b.end(), p + n);
    p[2 * n] = extra;
    sync->allReduceSum({packed});
    p = packed.data_ptr<double>();
    std::copy(p, p + n, a.begin());
    std::copy(p + n, p + 2 * n, b.begin());
    extra = p[2 * n];
}

// The per-statistic-group view: which (sample, channel) pairs share one mean and variance.
struct StatGroups
{
    const Layout &l;
    const FusedNormOptions::Stats kind;
    const std::int64_t groups; // PerSampleGroup only

    std::int64_t count() const
    {
        return kind == FusedNormOptions::Stats::PerChannel ? l.c : l.n * groups;
    }
    std::int64_t of(std::int64_t n, std::int64_t ch) const
    {
        return kind == FusedNormOptions::Stats::PerChannel ? ch : n * groups + ch / (l.c / groups);
    }
    // f(nc, k, ch) for every (sample, channel) pair nc = n * C + ch and its statistic k.
    template<typename F> void forEachPair(F f) const
    {
        for (std::int64_t n = 0; n < l.n; ++n)
            for (std::int64_t ch = 0; ch < l.c; ++ch)
                f(static_cast<std::size_t>(n * l.c + ch), static_cast<std::size_t>(of(n, ch)), ch);
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
    static Tensor forward(AutogradContext *ctx, const Tensor &conv,
                          const c10::optional<Tensor> &residual,
                          const c10::optional<Tensor> &weight, const c10::optional<Tensor> &bias,
                          const FusedNormOptions &o)
    {
        const Layout l(conv);
        const StatGroups groups {l, o.stats, o.groups};
        const Tensor res = residual.value_or(Tensor());
        const Tensor w = weight.value_or(Tensor());
        const Tensor b = bias.value_or(Tensor());
        const bool batchStats =
                o.stats == FusedNormOptions::Stats::PerSampleGroup || o.useBatchStats;
        Collectives *sync =
                o.stats == FusedNormOptions::Stats::PerChannel && batchStats ? o.sync : nullptr;
        double members = groups.members(); // behind each statistic, over every rank with `sync`
        // mean and 1 / std per statistic, kept for the backward pass
        std::vector<double> mean(static_cast<std::size_t>(groups.count())), rstd(mean.size());
        Tensor out = at::empty_like(conv);

        AT_DISPATCH_FLOATING_TYPES(conv.scalar_type(), "fusedNormBlock", [&] {
            using T = scalar_t;
            const T *x = conv.data_ptr<T>();
            if (batchStats) {
                std::vector<double> sum, sumSquares;
                sampleChannelSums<T>(
                        l, x, nullptr, NoMask {},
                        [](T v, T, T) {
                            const T r = std::max(v, T(0));
                            return std::pair<T, T>(r, r * r);
                        },
                        sum, sumSquares);
                std::vector<double> s(mean.size(), 0.0), q(mean.size(), 0.0);
                groups.forEachPair([&](std::size_t nc, std::size_t k, std::int64_t) {
                    s[k] += sum[nc];
                    q[k] += sumSquares[nc];
                });
                sumOverRanks(sync, s, q, members);
                const double m = members;
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
                        rv[k] = static_cast<T>((1 - o.momentum) * rv[k] +
                                               o.momentum * var * m / (m - 1));
                    }
                }
                if (o.stats == FusedNormOptions::Stats::PerChannel &&
                    o.numBatchesTracked.defined()) {
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
            std::vector<T> scale(static_cast<std::size_t>(l.n * l.c)), shift(scale.size());
            groups.forEachPair([&](std::size_t nc, std::size_t k, std::int64_t ch) {
                const double sc = rstd[k] * (gamma ? static_cast<double>(gamma[ch]) : 1.0);
                scale[nc] = static_cast<T>(sc);
                shift[nc] =
                        static_cast<T>((beta ? static_cast<double>(beta[ch]) : 0.0) - mean[k] * sc);
            });
            T *y = out.data_ptr<T>();
            const T *add = dataOrNull<T>(res);
            withMask(o.dropout, static_cast<std::int64_t>(o.seed), [&](const auto &mask) {
                // Two coefficients: the third slot repeats shift and is ignored.
                elementwise<T>(l, y, x, nullptr, add, mask, scale, shift, shift,
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
        ctx->saved_data["members"] = members;
        // The group outlives the step (FusedNormOptions::sync), and an IValue cannot hold it.
        ctx->saved_data["sync"] = static_cast<std::int64_t>(reinterpret_cast<std::intptr_t>(sync));
        return out;
    }

    static variable_list backward(AutogradContext *ctx, variable_list gradOutputs)
    {
        const variable_list saved = ctx->get_saved_variables();
        const Tensor &conv = saved[0];
        const Tensor &w = saved[1];
        const Tensor &stats = saved[2];
        const Layout l(conv);
        const auto kind =
                static_cast<FusedNormOptions::Stats>(ctx->saved_data["stats_kind"].toInt());
        const StatGroups groups {l, kind, ctx->saved_data["groups"].toInt()};
        const bool batchStats = ctx->saved_data["batch_stats"].toBool();
        const double dropout = ctx->saved_data["dropout"].toDouble();
        const std::int64_t seed = ctx->saved_data["seed"].toInt();
        auto *sync = reinterpret_cast<Collectives *>(
                static_cast<std::intptr_t>(ctx->saved_data["sync"].toInt()));
        const double m = ctx->saved_data["members"].toDouble();
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
                sampleChannelSums<T>(
                        l, x, gy, mask,
                        [](T v, T grad, T keep) {
                            const T d = grad * keep;
                            return std::pair<T, T>(d, d * std::max(v, T(0)));
                        },
                        sumG, sumGr);
            });
            const T *gamma = dataOrNull<T>(w);
            auto gammaOf = [&](std::int64_t ch) {
                return gamma ? static_cast<double>(gamma[ch]) : 1.0;
            };
            std::vector<double> s1(static_cast<std::size_t>(groups.count()), 0.0),
                    s2(s1.size(), 0.0);
            groups.forEachPair([&](std::size_t nc, std::size_t k, std::int64_t ch) {
                s1[k] += gammaOf(ch) * sumG[nc];
                s2[k] += gammaOf(ch) * sumGr[nc];
            });
            double unused = 0;
            sumOverRanks(sync, s1, s2, unused);
            // With xhat = (relu(x) - mean) * rstd, dy = g * mask and dxhat = dy * gamma, the norm's
            // gradient is rstd * (dxhat - (s1 + xhat * q) / m), s1 = sum(dxhat), q = sum(dxhat *
            // xhat) over the statistic's m members. Expanded, per (sample, channel) and where x >
            // 0: dx = A * dy + B * x + D. With the running statistics (eval), only A remains.
            // Synchronised, s1, s2 and m are the global batch's.
            std::vector<T> a(static_cast<std::size_t>(l.n * l.c)), bcoef(a.size()), dcoef(a.size());
            std::vector<double> gw(static_cast<std::size_t>(l.c), 0.0), gb(gw.size(), 0.0);
            groups.forEachPair([&](std::size_t nc, std::size_t k, std::int64_t ch) {
                const double q = batchStats ? rstd[k] * (s2[k] - mean[k] * s1[k]) : 0.0;
                a[nc] = static_cast<T>(rstd[k] * gammaOf(ch));
                bcoef[nc] = static_cast<T>(batchStats ? -rstd[k] * rstd[k] * q / m : 0.0);
                dcoef[nc] = static_cast<T>(
                        batchStats ? rstd[k] * (mean[k] * rstd[k] * q - s1[k]) / m : 0.0);
                gw[static_cast<std::size_t>(ch)] += rstd[k] * (sumGr[nc] - mean[k] * sumG[nc]);
                gb[static_cast<std::size_t>(ch)] += sumG[nc];
            });
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

bool canFuseNormBlock(const Tensor &conv, const Tensor &residual, const Tensor &weight,
                      const Tensor &bias)
{
    if (!conv.defined() || conv.dim() != 4 || !conv.device().is_cpu() || conv.numel() == 0 ||
        conv.numel() >= (std::int64_t(1) << 32))
        return false;
    const auto type = conv.scalar_type();
    if (type != torch::kFloat && type != torch::kDouble)
        return false;
    const bool nchw = conv.is_contiguous();
    if (!nchw && !conv.is_contiguous(at::MemoryFormat::ChannelsLast))
        return false;
    const auto format = nchw ? at::MemoryFormat::Contiguous : at::MemoryFormat::ChannelsLast;
    if (residual.defined() && (residual.sizes() != conv.sizes() || residual.scalar_type() != type ||
                               !residual.device().is_cpu() || !residual.is_contiguous(format)))
        return false;
    for (const Tensor &p : {weight, bias}) {
        if (p.defined() && (p.dim() != 1 || p.size(0) != conv.size(1) || p.scalar_type() != type ||
                            !p.device().is_cpu() || !p.is_contiguous()))
            return false;
    }
    return true;
}

Tensor fusedNormBlock(const Tensor &conv, const Tensor &residual, const Tensor &weight,
                      const Tensor &bias, const FusedNormOptions &options)
{
    TORCH_CHECK(canFuseNormBlock(conv, residual, weight, bias),
                "fusedNormBlock: tensors it cannot take (check canFuseNormBlock first)");
    TORCH_CHECK(options.stats == FusedNormOptions::Stats::PerChannel ||
                        (options.groups > 0 && conv.size(1) % options.groups == 0),
                "fusedNormBlock: ", conv.size(1), " channels do not split into ", options.groups,
                " groups");
    TORCH_CHECK(options.dropout >= 0 && options.dropout < 1,
                "fusedNormBlock: dropout must be in [0, 1)");
    if (options.stats == FusedNormOptions::Stats::PerChannel) {
        TORCH_CHECK(options.useBatchStats ||
                            (options.runningMean.defined() && options.runningVar.defined()),
                    "fusedNormBlock: no running statistics to normalise with");
        TORCH_CHECK(!options.useBatchStats || conv.size(0) * conv.size(2) * conv.size(3) > 1,
                    "fusedNormBlock: BatchNorm needs more than one value per channel in training");
        for (const Tensor &t : {options.runningMean, options.runningVar})
            TORCH_CHECK(!t.defined() || (t.scalar_type() == conv.scalar_type() &&
                                         t.is_contiguous() && t.numel() == conv.size(1)),
                        "fusedNormBlock: running statistics must be ", conv.size(1),
                        " contiguous values of the input's type");
    }
    auto optional = [](const Tensor &t) {
        return t.defined() ? c10::optional<Tensor>(t) : c10::nullopt;
    };
    return FusedNormBlockFunction::apply(conv, optional(residual), optional(weight), optional(bias),
                                         options);
}

} // namespace normlab
