#include "model_spec.h"

#include <cstdio>
#include <sstream>

namespace normlab {

namespace {

LayerSpec block(std::string name, int in, int out, bool residual = false)
{
    LayerSpec l;
    l.name = std::move(name);
    l.in = in;
    l.out = out;
    l.residual = residual;
    return l;
}

LayerSpec transition(std::string name, int in, int out)
{
    LayerSpec l = block(std::move(name), in, out);
    l.kind = LayerSpec::Kind::Conv;
    l.kernel = 1;
    l.padding = 0;
    return l;
}

LayerSpec simple(std::string name, LayerSpec::Kind kind)
{
    LayerSpec l;
    l.name = std::move(name);
    l.kind = kind;
    return l;
}

LayerSpec strided(std::string name, int in, int out)
{
    LayerSpec l = block(std::move(name), in, out);
    l.stride = 2;
    return l;
}

std::vector<LayerSpec> s8Layers(const ModelConfig &c)
{
    using K = LayerSpec::Kind;
    return {
        block("C1", 3, 24),
        block("C2", 24, 24, c.skip), // x = C1 + C2
        transition("c3", 24, 8),
        simple("pool1", K::MaxPool),
        block("C4", 8, 32),
        block("C5", 32, 32, c.skip), // y = C4 + C5
        block("C6", 32, 32),
        transition("c7", 32, 8),
        simple("pool2", K::MaxPool),
        block("C8", 8, 32),
        block("C9", 32, 32),
        block("C10", 32, 32),
        simple("gap", K::GlobalAvgPool),
    };
}

std::vector<LayerSpec> s9Layers(const ModelConfig &c)
{
    using K = LayerSpec::Kind;
    LayerSpec c4 = block("C4", 16, 32);
    if (c.dilation) {
        c4.dilation = 2;
        c4.padding = 2;
    }
    LayerSpec c5 = block("C5", 32, 32, c.skip); // b = C4 + C5
    if (c.depthwise)
        c5.groups = 32;
    return {
        block("C1", 3, 32),
        block("C2", 32, 32, c.skip), // a = C1 + C2
        strided("C3", 32, 64),
        transition("T1", 64, 16),
        c4,
        c5,
        strided("C6", 32, 64),
        transition("T2", 64, 32),
        block("C7", 32, 64),
        block("C8", 64, 64, c.skip), // c = C7 + C8
        strided("C9", 64, 96),
        simple("gap", K::GlobalAvgPool),
    };
}

std::string normTypeName(NormKind kind)
{
    switch (kind) {
    case NormKind::Batch: return "BatchNorm2d";
    case NormKind::Group: return "GroupNorm";
    case NormKind::Layer: return "LayerNorm";
    case NormKind::Instance: return "InstanceNorm2d";
    case NormKind::None: return "";
    }
    return "";
}

std::int64_t normParams(const ModelSpec &spec, int channels, int h, int w)
{
    switch (spec.norm) {
    case NormKind::Batch:
    case NormKind::Group: return 2LL * channels;
    case NormKind::Layer: return spec.affine ? 2LL * channels * h * w : 0;
    case NormKind::Instance: return spec.affine ? 2LL * channels : 0;
    case NormKind::None: return 0;
    }
    return 0;
}

} // namespace

ModelSpec buildModelSpec(const ModelConfig &config, int numClasses)
{
    ModelSpec spec;
    spec.layers = config.arch == Architecture::S8 ? s8Layers(config) : s9Layers(config);
    int width = 0;
    for (const LayerSpec &l : spec.layers)
        width = l.out > 0 ? l.out : width;
    LayerSpec head = transition("head", width, numClasses);
    head.kind = LayerSpec::Kind::Classifier;
    spec.layers.push_back(head);
    spec.norm = config.norm;
    spec.groups = config.groups;
    spec.affine = config.affine;
    spec.dropout = config.dropout;
    spec.numClasses = numClasses;
    return spec;
}

ModelSummary summarize(const ModelSpec &spec)
{
    ModelSummary s;
    int c = 3, h = spec.inputSize, w = spec.inputSize;
    std::int64_t activations = 0;
    auto add = [&](const std::string &layer, const std::string &type, std::int64_t params, std::int64_t macs) {
        s.rows.push_back({layer, type, c, h, w, params, macs});
        s.totalParams += params;
        s.totalMacs += macs;
        activations += static_cast<std::int64_t>(c) * h * w;
    };
    for (const LayerSpec &l : spec.layers) {
        switch (l.kind) {
        case LayerSpec::Kind::ConvBlock:
        case LayerSpec::Kind::Conv:
        case LayerSpec::Kind::Classifier: {
            const int effective = l.dilation * (l.kernel - 1) + 1;
            h = (h + 2 * l.padding - effective) / l.stride + 1;
            w = (w + 2 * l.padding - effective) / l.stride + 1;
            c = l.out;
            const std::int64_t weights = static_cast<std::int64_t>(l.out) * (l.in / l.groups) * l.kernel * l.kernel;
            add(l.name + ".conv", "Conv2d", weights, weights * h * w);
            if (l.kind == LayerSpec::Kind::ConvBlock) {
                add(l.name + ".relu", "ReLU", 0, 0);
                if (spec.norm != NormKind::None)
                    add(l.name + ".norm", normTypeName(spec.norm), normParams(spec, c, h, w), 0);
                if (spec.dropout > 0)
                    add(l.name + ".dropout", "Dropout", 0, 0);
                if (l.residual)
                    add(l.name + ".add", "Add (skip)", 0, 0);
            }
            if (l.kind == LayerSpec::Kind::Classifier)
                add(l.name + ".log_softmax", "LogSoftmax", 0, 0);
            break;
        }
        case LayerSpec::Kind::MaxPool:
            h /= 2;
            w /= 2;
            add(l.name, "MaxPool2d", 0, 0);
            break;
        case LayerSpec::Kind::GlobalAvgPool:
            h = w = 1;
            add(l.name, "AvgPool2d", 0, 0);
            break;
        }
    }
    s.activationMegabytes = activations * 4.0 / (1024.0 * 1024.0);
    return s;
}

std::string formatSummary(const ModelSummary &summary)
{
    std::ostringstream out;
    char line[160];
    const char *rule = "--------------------------------------------------------------------------\n";
    out << rule;
    std::snprintf(line, sizeof line, "%-18s %-15s %-18s %10s %10s\n", "Layer", "Type", "Output shape",
                  "Params", "MACs");
    out << line << rule;
    for (const SummaryRow &r : summary.rows) {
        const std::string shape = "[-1, " + std::to_string(r.channels) + ", " + std::to_string(r.height)
                + ", " + std::to_string(r.width) + "]";
        std::snprintf(line, sizeof line, "%-18s %-15s %-18s %10lld %10lld\n", r.layer.c_str(), r.type.c_str(),
                      shape.c_str(), static_cast<long long>(r.params), static_cast<long long>(r.macs));
        out << line;
    }
    out << rule;
    std::snprintf(line, sizeof line,
                  "Total params: %lld\nTotal MACs: %.2f M per image\nForward activations: %.2f MB per image\n",
                  static_cast<long long>(summary.totalParams), summary.totalMacs / 1e6,
                  summary.activationMegabytes);
    out << line << rule;
    return out.str();
}

} // namespace normlab
