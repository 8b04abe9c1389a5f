#include "layer_stats.h"

#include <cmath>
#include <limits>

namespace normlab {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// A histogram spans the mean plus or minus this many standard deviations (within the extremes),
// so one outlier does not squeeze every other value into a bin or two.
constexpr double kHistogramSpread = 4.0;

// The population standard deviation, as the norms compute theirs.
double meanOf(const torch::Tensor &t)
{
    return t.mean().item<double>();
}

double stdOf(const torch::Tensor &t)
{
    return t.std(/*unbiased=*/false).item<double>();
}

double normOf(const torch::Tensor &t)
{
    return t.defined() ? t.norm().item<double>() : kNaN;
}

bool hasValues(const torch::Tensor &t)
{
    return t.defined() && t.numel() > 0;
}

} // namespace

// The norm's scale and shift as they are now (after a step: as the step left them, like the
// weight's norm).
static void fillNormParameters(LayerStatsRow &row, const BlockTensors &t)
{
    if (hasValues(t.normWeight)) {
        const torch::Tensor gamma = t.normWeight.detach().to(torch::kFloat64);
        row[LayerStat::GammaMean] = meanOf(gamma);
        row[LayerStat::GammaStd] = stdOf(gamma);
    }
    if (hasValues(t.normBias)) {
        const torch::Tensor beta = t.normBias.detach().to(torch::kFloat64);
        row[LayerStat::BetaMean] = meanOf(beta);
        row[LayerStat::BetaStd] = stdOf(beta);
    }
}

struct LayerStatsProbe::Private
{
    Net &net;
    int histogramBins = 0;
    int maxImages = 0;
    std::vector<BlockTensors> blocks;
    std::vector<LayerStatsRow> rows;
    std::vector<torch::Tensor> outputs; // for the histograms
    std::vector<torch::Tensor> weightsBefore;

    Private(Net &n, int bins, int images)
        : net(n), histogramBins(bins), maxImages(images), blocks(n->blocks())
    {
    }

    torch::Tensor firstImages(const torch::Tensor &t) const
    {
        return maxImages > 0 && t.size(0) > maxImages ? t.narrow(0, 0, maxImages) : t;
    }

    void observe(const BlockView &b)
    {
        torch::NoGradGuard noGrad;
        LayerStatsRow row;
        row.values.fill(kNaN);
        row.layer = b.index;
        row.name = b.spec->name;
        const torch::Tensor input = firstImages(b.input.detach()).to(torch::kFloat64);
        const torch::Tensor preNorm = firstImages(b.conv.detach()).to(torch::kFloat64).relu();
        const torch::Tensor output = firstImages(b.output.detach()).to(torch::kFloat64);
        row[LayerStat::InputMean] = meanOf(input);
        row[LayerStat::InputStd] = stdOf(input);
        row[LayerStat::PreNormMean] = meanOf(preNorm);
        row[LayerStat::PreNormStd] = stdOf(preNorm);
        row[LayerStat::OutputMean] = meanOf(output);
        row[LayerStat::OutputStd] = stdOf(output);
        row[LayerStat::DeadRelu] = (preNorm == 0).to(torch::kFloat64).mean().item<double>();

        const BlockTensors &t = blocks.at(static_cast<std::size_t>(b.index));
        // The weight as it is now; a training step's afterStep() replaces it with the new one.
        row[LayerStat::WeightNorm] =
                t.convWeight.detach().to(torch::kFloat64).norm().item<double>();
        fillNormParameters(row, t);
        if (hasValues(t.runningMean) && hasValues(t.runningVar)) {
            // The batch's own statistics per channel against the running ones that evaluation
            // uses: the train/eval gap of BatchNorm.
            const torch::Tensor batchMean = preNorm.mean({0, 2, 3});
            const torch::Tensor batchVar = preNorm.var({0, 2, 3}, /*unbiased=*/false);
            const torch::Tensor runningMean = t.runningMean.detach().to(torch::kFloat64);
            const torch::Tensor runningVar = t.runningVar.detach().to(torch::kFloat64);
            row[LayerStat::RunningMeanGap] =
                    meanOf((batchMean - runningMean).abs() / (runningVar + t.eps).sqrt());
            row[LayerStat::RunningVarRatio] = meanOf(batchVar / (runningVar + t.eps));
        }
        rows.push_back(std::move(row));
        if (histogramBins > 0)
            outputs.push_back(output.flatten());
    }
};

LayerStatsProbe::LayerStatsProbe(Net &net, int histogramBins, int maxImages)
    : d(std::make_unique<Private>(net, histogramBins, maxImages))
{
    net->setBlockObserver([this](const BlockView &b) { d->observe(b); });
}

LayerStatsProbe::~LayerStatsProbe()
{
    d->net->setBlockObserver({});
}

void LayerStatsProbe::beforeStep()
{
    torch::NoGradGuard noGrad;
    d->weightsBefore.clear();
    for (const BlockTensors &b : d->blocks)
        d->weightsBefore.push_back(b.convWeight.detach().clone());
}

void LayerStatsProbe::afterStep()
{
    torch::NoGradGuard noGrad;
    for (LayerStatsRow &row : d->rows) {
        const BlockTensors &b = d->blocks.at(static_cast<std::size_t>(row.layer));
        const torch::Tensor weight = b.convWeight.detach().to(torch::kFloat64);
        const double weightNorm = weight.norm().item<double>();
        row[LayerStat::WeightNorm] = weightNorm;
        row[LayerStat::GradNorm] = normOf(b.convWeight.grad());
        fillNormParameters(row, b);
        if (static_cast<std::size_t>(row.layer) < d->weightsBefore.size() && weightNorm > 0) {
            const torch::Tensor before =
                    d->weightsBefore[static_cast<std::size_t>(row.layer)].to(torch::kFloat64);
            row[LayerStat::UpdateRatio] = (weight - before).norm().item<double>() / weightNorm;
        }
    }
}

std::vector<LayerStatsRow> LayerStatsProbe::rows() const
{
    return d->rows;
}

std::vector<LayerHistogram> LayerStatsProbe::histograms() const
{
    torch::NoGradGuard noGrad;
    std::vector<LayerHistogram> out;
    for (std::size_t i = 0; i < d->outputs.size(); ++i) {
        const torch::Tensor &values = d->outputs[i];
        LayerHistogram h;
        h.layer = d->rows[i].layer;
        const double mean = meanOf(values);
        const double spread = kHistogramSpread * stdOf(values);
        h.lo = std::max(values.min().item<double>(), mean - spread);
        h.hi = std::min(values.max().item<double>(), mean + spread);
        if (!(h.hi > h.lo))
            h.hi = h.lo + 1e-6; // a constant output: one full bin
        const torch::Tensor counts =
                torch::histc(values.clamp(h.lo, h.hi), d->histogramBins, h.lo, h.hi);
        h.counts.reserve(static_cast<std::size_t>(d->histogramBins));
        const auto accessor = counts.accessor<double, 1>();
        for (int b = 0; b < d->histogramBins; ++b)
            h.counts.push_back(static_cast<std::int64_t>(std::llround(accessor[b])));
        out.push_back(std::move(h));
    }
    return out;
}

} // namespace normlab
