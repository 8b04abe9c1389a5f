#include "net.h"

namespace normlab {

namespace nn = torch::nn;

namespace {

nn::AnyModule makeNorm(const ModelSpec &spec, int channels, int h, int w)
{
    switch (spec.norm) {
    case NormKind::Batch: return nn::AnyModule(nn::BatchNorm2d(channels));
    case NormKind::Group: return nn::AnyModule(nn::GroupNorm(nn::GroupNormOptions(spec.groups, channels)));
    case NormKind::Layer:
        // Over C, H and W, as the reference's nn.LayerNorm([C, H, W]).
        return nn::AnyModule(nn::LayerNorm(
                nn::LayerNormOptions({channels, h, w}).elementwise_affine(spec.affine)));
    case NormKind::Instance:
        return nn::AnyModule(nn::InstanceNorm2d(nn::InstanceNorm2dOptions(channels).affine(spec.affine)));
    case NormKind::None: break;
    }
    return {};
}

} // namespace

NetImpl::NetImpl(ModelSpec spec) : m_spec(std::move(spec))
{
    // Walk the summary alongside the layers: it already knows each output's spatial size, which
    // LayerNorm needs at construction.
    const ModelSummary summary = summarize(m_spec);
    std::size_t row = 0;
    for (const LayerSpec &l : m_spec.layers) {
        Layer layer;
        layer.spec = &l;
        const bool hasConv = l.kind == LayerSpec::Kind::ConvBlock || l.kind == LayerSpec::Kind::Conv
                || l.kind == LayerSpec::Kind::Classifier;
        if (hasConv) {
            layer.conv = register_module(l.name + "_conv",
                                         nn::Conv2d(nn::Conv2dOptions(l.in, l.out, l.kernel)
                                                            .stride(l.stride)
                                                            .padding(l.padding)
                                                            .dilation(l.dilation)
                                                            .groups(l.groups)
                                                            .bias(false)));
            const SummaryRow &out = summary.rows.at(row);
            if (l.kind == LayerSpec::Kind::ConvBlock) {
                layer.norm = makeNorm(m_spec, out.channels, out.height, out.width);
                if (!layer.norm.is_empty())
                    register_module(l.name + "_norm", layer.norm.ptr());
                if (m_spec.dropout > 0)
                    layer.dropout = register_module(l.name + "_dropout", FastDropout(m_spec.dropout));
            }
        }
        // advance to the first summary row of the next layer
        while (row < summary.rows.size() && summary.rows[row].layer.rfind(l.name, 0) == 0
               && (summary.rows[row].layer.size() == l.name.size() || summary.rows[row].layer[l.name.size()] == '.'))
            ++row;
        m_layers.push_back(std::move(layer));
    }
}

torch::Tensor NetImpl::forward(torch::Tensor x)
{
    for (Layer &layer : m_layers) {
        switch (layer.spec->kind) {
        case LayerSpec::Kind::ConvBlock: {
            torch::Tensor y = torch::relu(layer.conv->forward(x));
            if (!layer.norm.is_empty())
                y = layer.norm.forward(y);
            if (!layer.dropout.is_empty())
                y = layer.dropout->forward(y);
            x = layer.spec->residual ? y + x : y;
            break;
        }
        case LayerSpec::Kind::Conv: x = layer.conv->forward(x); break;
        case LayerSpec::Kind::MaxPool: x = torch::max_pool2d(x, 2); break;
        case LayerSpec::Kind::GlobalAvgPool: x = torch::adaptive_avg_pool2d(x, {1, 1}); break;
        case LayerSpec::Kind::Classifier:
            x = layer.conv->forward(x).flatten(1);
            x = torch::log_softmax(x, 1);
            break;
        }
    }
    return x;
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
