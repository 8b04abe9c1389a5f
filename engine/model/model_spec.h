// The reference networks as data: a list of layers built from a ModelConfig, so architecture
// features are switches on one description rather than copies of classes. The torch module (Net)
// and the model summary are both built from this list.
#pragma once

#include "config.h"

#include <cstdint>
#include <string>
#include <vector>

namespace normlab {

struct LayerSpec
{
    enum class Kind {
        ConvBlock, // Conv -> ReLU -> Norm -> Dropout
        Conv, // a bare (transition) convolution
        MaxPool, // 2x2, stride 2
        GlobalAvgPool,
        Classifier, // 1x1 conv to the classes, then log_softmax
        // x * sigmoid(1x1 conv(ReLU(1x1 conv(mean over H, W of x)))), through `hidden` channels;
        // both convolutions with a bias
        SqueezeExcite,
    };
    std::string name;
    Kind kind = Kind::ConvBlock;
    int in = 0, out = 0;
    int kernel = 3, stride = 1, padding = 1, dilation = 1, groups = 1;
    // output = layer(input) + the input of the layer `residualSpan` places back (1: this
    // layer's own), so that a skip can go around several layers; ConvBlock, Conv, SqueezeExcite
    bool residual = false;
    int residualSpan = 1;
    int hidden = 0; // SqueezeExcite only
};

struct ModelSpec
{
    std::vector<LayerSpec> layers;
    NormKind norm = NormKind::Batch;
    int groups = 4;
    bool affine = true;
    double dropout = 0.05;
    int numClasses = 10;
    int inputSize = 32;
};

ModelSpec buildModelSpec(const ModelConfig &config, int numClasses = 10);

struct SummaryRow
{
    std::string layer; // e.g. "C2.conv"
    std::string type; // e.g. "Conv2d"
    int channels = 0, height = 0, width = 0; // output shape, batch dimension left out
    std::int64_t params = 0;
    std::int64_t macs = 0; // multiply-accumulates for one image
};

struct ModelSummary
{
    std::vector<SummaryRow> rows;
    std::int64_t totalParams = 0;
    std::int64_t totalMacs = 0;
    double activationMegabytes = 0; // forward activations for one image, float32
};

ModelSummary summarize(const ModelSpec &spec);

// The torchsummary-style table, for the command line.
std::string formatSummary(const ModelSummary &summary);

} // namespace normlab
