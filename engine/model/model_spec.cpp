#include "model_spec.h"

#include <algorithm>
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

LayerSpec withKernel(LayerSpec l, int kernel)
{
    l.kernel = kernel;
    l.padding = kernel / 2;
    return l;
}

// One block of a Stages net, named after its stage and place (S2B1_dw); the skip, when the block
// has one, goes around all its layers.
void appendBlock(std::vector<LayerSpec> &layers, const ModelConfig &c, const std::string &name,
                 int width)
{
    std::vector<LayerSpec> parts;
    switch (c.block) {
    case BlockKind::Plain:
        parts = {withKernel(block(name, width, width), c.kernel)};
        break;
    case BlockKind::Residual:
        parts = {withKernel(block(name + "_a", width, width), c.kernel),
                 withKernel(block(name + "_b", width, width), c.kernel)};
        break;
    case BlockKind::Separable:
    case BlockKind::Inverted: {
        LayerSpec dw = withKernel(block(name + "_dw", width, width), c.kernel);
        dw.groups = width;
        if (c.block == BlockKind::Separable) {
            parts = {dw, transition(name + "_pw", width, width)};
            parts.back().kind = LayerSpec::Kind::ConvBlock;
        } else {
            const int wide = width * c.expansion;
            LayerSpec expand = transition(name + "_pw", width, wide);
            expand.kind = LayerSpec::Kind::ConvBlock;
            parts = {dw, expand, transition(name + "_proj", wide, width)};
        }
        break;
    }
    }
    if (c.squeezeExcite) {
        LayerSpec se = simple(name + "_se", LayerSpec::Kind::SqueezeExcite);
        se.in = se.out = width;
        se.hidden = std::max(1, width / 4);
        parts.push_back(se);
    }
    if (c.skip && c.block != BlockKind::Plain) {
        parts.back().residual = true;
        parts.back().residualSpan = static_cast<int>(parts.size());
    }
    layers.insert(layers.end(), parts.begin(), parts.end());
}

std::vector<LayerSpec> stagesLayers(const ModelConfig &c)
{
    std::vector<LayerSpec> layers = {block("stem", 3, c.widths.front())};
    for (std::size_t s = 0; s < c.widths.size(); ++s) {
        const std::string stage = "S" + std::to_string(s + 1);
        if (s > 0) {
            // Pooling before the 1x1 widening does a quarter of the work of pooling after it.
            layers.push_back(simple(stage + "_pool", LayerSpec::Kind::MaxPool));
            LayerSpec down = transition(stage + "_in", c.widths[s - 1], c.widths[s]);
            down.kind = LayerSpec::Kind::ConvBlock;
            layers.push_back(down);
        }
        for (int b = 0; b < c.depths[s]; ++b)
            appendBlock(layers, c, stage + "B" + std::to_string(b + 1), c.widths[s]);
    }
    layers.push_back(simple("gap", LayerSpec::Kind::GlobalAvgPool));
    return layers;
}

std::string normTypeName(NormKind kind)
{
    switch (kind) {
    case NormKind::Batch:
        return "BatchNorm2d";
    case NormKind::Group:
        return "GroupNorm";
    case NormKind::Layer:
        return "LayerNorm";
    case NormKind::Instance:
        return "InstanceNorm2d";
    case NormKind::None:
        return "";
    }
    return "";
}

std::int64_t normParams(const ModelSpec &spec, int channels, int h, int w)
{
    switch (spec.norm) {
    case NormKind::Batch:
    case NormKind::Group:
        return 2LL * channels;
    case NormKind::Layer:
        return spec.affine ? 2LL * channels * h * w : 0;
    case NormKind::Instance:
        return spec.affine ? 2LL * channels : 0;
    case NormKind::None:
        return 0;
    }
    return 0;
}

} // namespace

ModelSpec buildModelSpec(const ModelConfig &config, int numClasses)
{
    ModelSpec spec;
    switch (config.arch) {
    case Architecture::S8:
        spec.layers = s8Layers(config);
        break;
    case Architecture::S9:
        spec.layers = s9Layers(config);
        break;
    case Architecture::Stages:
        spec.layers = stagesLayers(config);
        break;
    }
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
    auto add = [&](const std::string &layer, const std::string &type, std::int64_t params,
                   std::int64_t macs) {
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
            const std::int64_t weights =
                    static_cast<std::int64_t>(l.out) * (l.in / l.groups) * l.kernel * l.kernel;
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
            if (l.kind == LayerSpec::Kind::Conv && l.residual)
                add(l.name + ".add", "Add (skip)", 0, 0);
            if (l.kind == LayerSpec::Kind::Classifier)
                add(l.name + ".log_softmax", "LogSoftmax", 0, 0);
            break;
        }
        case LayerSpec::Kind::SqueezeExcite: {
            const std::int64_t weights = 2LL * l.out * l.hidden;
            add(l.name + ".gate", "SqueezeExcite", weights + l.hidden + l.out,
                weights + static_cast<std::int64_t>(c) * h * w);
            if (l.residual)
                add(l.name + ".add", "Add (skip)", 0, 0);
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
    const char *rule =
            "--------------------------------------------------------------------------\n";
    out << rule;
    std::snprintf(line, sizeof line, "%-18s %-15s %-18s %10s %10s\n", "Layer", "Type",
                  "Output shape", "Params", "MACs");
    out << line << rule;
    for (const SummaryRow &r : summary.rows) {
        const std::string shape = "[-1, " + std::to_string(r.channels) + ", " +
                                  std::to_string(r.height) + ", " + std::to_string(r.width) + "]";
        std::snprintf(line, sizeof line, "%-18s %-15s %-18s %10lld %10lld\n", r.layer.c_str(),
                      r.type.c_str(), shape.c_str(), static_cast<long long>(r.params),
                      static_cast<long long>(r.macs));
        out << line;
    }
    out << rule;
    std::snprintf(line, sizeof line,
                  "Total params: %lld\nTotal MACs: %.2f M per image\nForward activations: %.2f MB "
                  "per image\n",
                  static_cast<long long>(summary.totalParams), summary.totalMacs / 1e6,
                  summary.activationMegabytes);
    out << line << rule;
    return out.str();
}

} // namespace normlab
