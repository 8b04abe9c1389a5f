#include "net.h"

#include "depthwise_conv.h"
#include "fused_norm_block.h"

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace normlab {

namespace nn = torch::nn;

bool fusedTailsByDefault()
{
    static const bool fused = [] {
        const char *v = std::getenv("NORMLAB_FUSED");
        return !(v && std::string(v) == "0");
    }();
    return fused;
}

NetImpl::NetImpl(ModelSpec spec)
    : m_spec(std::move(spec)), m_fused(fusedTailsByDefault()), m_depthwiseKernel(m_fused)
{
    // Walk the summary alongside the layers: it already knows each output's spatial size, which
    // LayerNorm needs at construction.
    const ModelSummary summary = summarize(m_spec);
    std::size_t row = 0;
    for (const LayerSpec &l : m_spec.layers) {
        Layer layer;
        layer.spec = &l;
        const bool hasConv = l.kind == LayerSpec::Kind::ConvBlock ||
                             l.kind == LayerSpec::Kind::Conv ||
                             l.kind == LayerSpec::Kind::Classifier;
        if (l.kind == LayerSpec::Kind::SqueezeExcite) {
            layer.squeeze = register_module(l.name + "_squeeze",
                                            nn::Conv2d(nn::Conv2dOptions(l.out, l.hidden, 1)));
            layer.excite = register_module(l.name + "_excite",
                                           nn::Conv2d(nn::Conv2dOptions(l.hidden, l.out, 1)));
        }
        if (hasConv) {
            layer.conv = register_module(l.name + "_conv",
                                         nn::Conv2d(nn::Conv2dOptions(l.in, l.out, l.kernel)
                                                            .stride(l.stride)
                                                            .padding(l.padding)
                                                            .dilation(l.dilation)
                                                            .groups(l.groups)
                                                            .bias(false)));
            layer.depthwise = l.groups > 1 && l.groups == l.in && l.in == l.out && l.stride == 1;
            const SummaryRow &out = summary.rows.at(row);
            if (l.kind == LayerSpec::Kind::ConvBlock) {
                makeNorm(m_spec, out.channels, out.height, out.width, layer);
                if (!layer.norm.is_empty())
                    register_module(l.name + "_norm", layer.norm.ptr());
                if (m_spec.dropout > 0)
                    layer.dropout =
                            register_module(l.name + "_dropout", FastDropout(m_spec.dropout));
            }
        }
        // advance to the first summary row of the next layer
        while (row < summary.rows.size() && summary.rows[row].layer.rfind(l.name, 0) == 0 &&
               (summary.rows[row].layer.size() == l.name.size() ||
                summary.rows[row].layer[l.name.size()] == '.'))
            ++row;
        m_layers.push_back(std::move(layer));
    }
    m_skipSource.assign(m_spec.layers.size(), false);
    for (std::size_t i = 0; i < m_spec.layers.size(); ++i) {
        const LayerSpec &l = m_spec.layers[i];
        if (!l.residual)
            continue;
        if (l.residualSpan < 1 || static_cast<std::size_t>(l.residualSpan) > i + 1)
            throw std::invalid_argument("layer " + l.name + ": its skip starts before the net");
        // forward() hands each source to one skip
        if (m_skipSource[i + 1 - l.residualSpan])
            throw std::invalid_argument("layer " + l.name + ": two skips start at one layer");
        m_skipSource[i + 1 - l.residualSpan] = true;
    }
}

torch::Tensor NetImpl::forward(torch::Tensor x)
{
    // The inputs that skips start from, and only those: keeping every layer's input would hold
    // all activations of an evaluation batch (no autograd graph frees them) to the end.
    std::vector<torch::Tensor> skipSources(m_layers.size());
    int block = 0;
    for (std::size_t i = 0; i < m_layers.size(); ++i) {
        Layer &layer = m_layers[i];
        const LayerSpec &spec = *layer.spec;
        if (m_skipSource[i])
            skipSources[i] = x;
        torch::Tensor skip;
        if (spec.residual) {
            skip = std::move(skipSources[i + 1 - spec.residualSpan]);
            skipSources[i + 1 - spec.residualSpan] = torch::Tensor();
        }
        switch (spec.kind) {
        case LayerSpec::Kind::ConvBlock: {
            const torch::Tensor conv = convolve(layer, x);
            torch::Tensor y = fusedTail(layer, conv, skip);
            y = y.defined() ? y : unfusedTail(layer, conv, skip);
            if (m_blockObserver)
                m_blockObserver({block, layer.spec, x, conv, y});
            ++block;
            x = y;
            break;
        }
        case LayerSpec::Kind::Conv:
            x = convolve(layer, x);
            x = skip.defined() ? x + skip : x;
            break;
        case LayerSpec::Kind::SqueezeExcite:
            x = squeezeExcite(layer, x);
            x = skip.defined() ? x + skip : x;
            break;
        case LayerSpec::Kind::MaxPool:
            x = torch::max_pool2d(x, 2);
            break;
        case LayerSpec::Kind::GlobalAvgPool:
            x = torch::adaptive_avg_pool2d(x, {1, 1});
            break;
        case LayerSpec::Kind::Classifier:
            x = layer.conv->forward(x).flatten(1);
            if (m_activationObserver)
                m_activationObserver(spec, x);
            x = torch::log_softmax(x, 1);
            continue;
        }
        if (m_activationObserver)
            m_activationObserver(spec, x);
    }
    return x;
}

torch::Tensor NetImpl::squeezeExcite(Layer &layer, const torch::Tensor &x)
{
    torch::Tensor gate = torch::adaptive_avg_pool2d(x, {1, 1});
    gate = torch::sigmoid(layer.excite->forward(torch::relu(layer.squeeze->forward(gate))));
    return x * gate;
}

std::vector<BlockTensors> NetImpl::blocks() const
{
    std::vector<BlockTensors> out;
    for (const Layer &layer : m_layers) {
        if (layer.spec->kind != LayerSpec::Kind::ConvBlock)
            continue;
        BlockTensors b;
        b.spec = layer.spec;
        b.convWeight = layer.conv->weight;
        if (layer.batchNorm) {
            b.normWeight = layer.batchNorm->weight;
            b.normBias = layer.batchNorm->bias;
            b.runningMean = layer.batchNorm->running_mean;
            b.runningVar = layer.batchNorm->running_var;
            b.eps = layer.batchNorm->options.eps();
        } else if (layer.groupNorm) {
            b.normWeight = layer.groupNorm->weight;
            b.normBias = layer.groupNorm->bias;
        } else if (layer.layerNorm) {
            b.normWeight = layer.layerNorm->weight;
            b.normBias = layer.layerNorm->bias;
        } else if (layer.instanceNorm) {
            b.normWeight = layer.instanceNorm->weight;
            b.normBias = layer.instanceNorm->bias;
        }
        out.push_back(b);
    }
    return out;
}

void NetImpl::makeNorm(const ModelSpec &spec, int channels, int h, int w, Layer &layer)
{
    switch (spec.norm) {
    case NormKind::Batch:
        layer.batchNorm = nn::BatchNorm2d(channels);
        layer.norm = nn::AnyModule(layer.batchNorm);
        break;
    case NormKind::Group:
        layer.groupNorm = nn::GroupNorm(nn::GroupNormOptions(spec.groups, channels));
        layer.norm = nn::AnyModule(layer.groupNorm);
        break;
    case NormKind::Layer:
        // Over C, H and W, as the reference's nn.LayerNorm([C, H, W]).
        layer.layerNorm = nn::LayerNorm(
                nn::LayerNormOptions({channels, h, w}).elementwise_affine(spec.affine));
        layer.norm = nn::AnyModule(layer.layerNorm);
        break;
    case NormKind::Instance:
        layer.instanceNorm =
                nn::InstanceNorm2d(nn::InstanceNorm2dOptions(channels).affine(spec.affine));
        layer.norm = nn::AnyModule(layer.instanceNorm);
        break;
    case NormKind::None:
        break;
    }
}

torch::Tensor NetImpl::fusedTail(Layer &layer, const torch::Tensor &conv, const torch::Tensor &skip)
{
    if (!m_fused)
        return {};
    FusedNormOptions o;
    torch::Tensor weight, bias;
    if (layer.batchNorm) {
        const auto &bn = layer.batchNorm;
        o.stats = FusedNormOptions::Stats::PerChannel;
        o.eps = bn->options.eps();
        o.momentum = bn->options.momentum().value_or(0.1);
        o.useBatchStats = bn->is_training();
        o.runningMean = bn->running_mean;
        o.runningVar = bn->running_var;
        o.numBatchesTracked = bn->num_batches_tracked;
        o.sync = m_syncBatchNorm;
        weight = bn->weight;
        bias = bn->bias;
        // A cumulative average (momentum None) is LibTorch's to compute.
        if (!bn->options.momentum().has_value() || !bn->options.track_running_stats())
            return {};
    } else if (layer.groupNorm) {
        o.stats = FusedNormOptions::Stats::PerSampleGroup;
        o.groups = static_cast<int>(layer.groupNorm->options.num_groups());
        o.eps = layer.groupNorm->options.eps();
        weight = layer.groupNorm->weight;
        bias = layer.groupNorm->bias;
    } else if (layer.layerNorm) {
        // Over C, H and W, it is one group; an affine over C, H and W is not per channel.
        if (layer.layerNorm->options.elementwise_affine())
            return {};
        o.stats = FusedNormOptions::Stats::PerSampleGroup;
        o.groups = 1;
        o.eps = layer.layerNorm->options.eps();
    } else if (layer.instanceNorm) {
        if (layer.instanceNorm->options.track_running_stats())
            return {};
        o.stats = FusedNormOptions::Stats::PerSampleGroup;
        o.groups = static_cast<int>(conv.size(1));
        o.eps = layer.instanceNorm->options.eps();
        weight = layer.instanceNorm->weight;
        bias = layer.instanceNorm->bias;
    } else {
        return {};
    }
    if (!canFuseNormBlock(conv, skip, weight, bias))
        return {};
    if (!layer.dropout.is_empty() && layer.dropout->is_training() && layer.dropout->p() > 0) {
        o.dropout = layer.dropout->p();
        o.seed = nextDropoutSeed();
        if (m_dropoutObserver)
            m_dropoutObserver(layer.spec->name, dropoutMask(conv, o.dropout, o.seed));
    }
    return fusedNormBlock(conv, skip, weight, bias, o);
}

torch::Tensor NetImpl::convolve(Layer &layer, const torch::Tensor &x)
{
    const torch::Tensor &weight = layer.conv->weight;
    // Only its backward differs from LibTorch's: without gradients there is nothing to win.
    if (m_depthwiseKernel && layer.depthwise && torch::GradMode::is_enabled() && weight.requires_grad() &&
        canRunDepthwiseConv(x, weight))
        return depthwiseConv2d(x, weight, layer.spec->padding, layer.spec->dilation);
    return layer.conv->forward(x);
}

torch::Tensor NetImpl::unfusedTail(Layer &layer, const torch::Tensor &conv,
                                   const torch::Tensor &skip)
{
    if (m_syncBatchNorm && layer.batchNorm && layer.batchNorm->is_training())
        throw std::runtime_error("synchronised BatchNorm needs the fused conv-block tails (CPU, "
                                 "momentum set, NORMLAB_FUSED not 0)");
    torch::Tensor y = torch::relu(conv);
    if (!layer.norm.is_empty())
        y = layer.norm.forward(y);
    if (!layer.dropout.is_empty())
        y = dropout(layer, y);
    return skip.defined() ? y + skip : y;
}

torch::Tensor NetImpl::dropout(Layer &layer, const torch::Tensor &y)
{
    if (!m_dropoutObserver || !layer.dropout->is_training() || layer.dropout->p() == 0.0)
        return layer.dropout->forward(y);
    const std::uint64_t seed = nextDropoutSeed();
    torch::Tensor out = layer.dropout->forward(y, seed);
    m_dropoutObserver(layer.spec->name, dropoutMask(y, layer.dropout->p(), seed));
    return out;
}

void NetImpl::toChannelsLast()
{
    torch::NoGradGuard noGrad;
    for (torch::Tensor &p : parameters()) {
        if (p.dim() == 4)
            p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
    }
}

std::int64_t NetImpl::parameterCount() const
{
    std::int64_t n = 0;
    for (const torch::Tensor &p : parameters())
        n += p.numel();
    return n;
}

} // namespace normlab
