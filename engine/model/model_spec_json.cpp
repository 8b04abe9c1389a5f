#include "model_spec_json.h"

namespace normlab {

namespace {

std::string kindName(LayerSpec::Kind kind)
{
    switch (kind) {
    case LayerSpec::Kind::ConvBlock:
        return "conv_block";
    case LayerSpec::Kind::Conv:
        return "conv";
    case LayerSpec::Kind::MaxPool:
        return "max_pool";
    case LayerSpec::Kind::GlobalAvgPool:
        return "global_avg_pool";
    case LayerSpec::Kind::Classifier:
        return "classifier";
    case LayerSpec::Kind::SqueezeExcite:
        return "squeeze_excite";
    }
    return "unknown";
}

} // namespace

nlohmann::json toJson(const ModelSpec &spec)
{
    nlohmann::json layers = nlohmann::json::array();
    for (const LayerSpec &l : spec.layers)
        layers.push_back({{"name", l.name},
                          {"kind", kindName(l.kind)},
                          {"in", l.in},
                          {"out", l.out},
                          {"kernel", l.kernel},
                          {"stride", l.stride},
                          {"padding", l.padding},
                          {"dilation", l.dilation},
                          {"groups", l.groups},
                          {"residual", l.residual},
                          {"residual_span", l.residualSpan},
                          {"hidden", l.hidden}});
    return {{"layers", layers},
            {"norm", toString(spec.norm)},
            {"groups", spec.groups},
            {"affine", spec.affine},
            {"dropout", spec.dropout},
            {"num_classes", spec.numClasses},
            {"input_size", spec.inputSize}};
}

} // namespace normlab
