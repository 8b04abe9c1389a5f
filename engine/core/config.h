// Experiment configuration: plain value types, shared by the command line, the GUI and the run
// store. Everything a run needs to be reproduced is in here, nothing else.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace normlab {

enum class NormKind { Batch, Group, Layer, Instance, None };
enum class Architecture { S8, S9, Stages };
// The blocks of a `Stages` net, each built from conv blocks (Conv -> ReLU -> norm -> dropout):
// Plain: one k x k conv block. Residual: two k x k conv blocks and a skip around them.
// Separable: a depthwise k x k conv block, a 1x1 conv block and a skip around them.
// Inverted (ConvNeXt-style): a depthwise k x k conv block, a 1x1 conv block widening the channels
// `expansion` times, a bare 1x1 conv narrowing them back and a skip around the three.
enum class BlockKind { Plain, Residual, Separable, Inverted };

struct ModelConfig
{
    Architecture arch = Architecture::S8;
    NormKind norm = NormKind::Batch;
    int groups = 4; // GroupNorm only
    bool affine = true; // LayerNorm and InstanceNorm; BatchNorm and GroupNorm are always affine
    bool skip = true; // the residual additions of each preset
    bool dilation = true; // s9's dilated convolution
    bool depthwise = true; // s9's depthwise convolution
    double dropout = 0.05;
    // Stages only: a 3x3 stem to widths[0], then for each stage (after the first: 2x2 max-pool
    // and a 1x1 conv block to its width) depths[i] blocks, global average pooling, a classifier.
    BlockKind block = BlockKind::Separable;
    std::vector<int> widths = {32, 64, 96};
    std::vector<int> depths = {2, 2, 2};
    int kernel = 5; // the blocks' convolution (depthwise in Separable and Inverted)
    int expansion = 3; // Inverted only
    // A squeeze-and-excitation gate at the end of each block (before its skip), reducing to a
    // quarter of the channels.
    bool squeezeExcite = false;
};

// One augmentation step, albumentations / torchvision parameter names; unused fields are ignored.
struct AugmentStep
{
    enum class Kind {
        HorizontalFlip,
        ShiftScaleRotate,
        CoarseDropout,
        RandomCrop,
        ColorJitter,
        Rotate,
        Cutout
    };
    Kind kind = Kind::HorizontalFlip;
    double p = 1.0;
    // ShiftScaleRotate
    double shiftLimit = 0.0625;
    double scaleLimit = 0.1;
    double rotateLimit = 45.0; // also Rotate's limit
    std::string borderMode = "reflect_101"; // constant | reflect | reflect_101 | replicate | wrap
    // CoarseDropout
    int maxHoles = 8, maxHeight = 8, maxWidth = 8;
    int minHoles = 1, minHeight = 8, minWidth = 8;
    std::vector<double> fillValue = {0.0}; // 0-255 scale, one value or one per channel
    // RandomCrop
    int padding = 4;
    // Cutout (DeVries and Taylor, 2017): one length x length square, its centre anywhere in the
    // image, so that it may be cut by the border; filled with fillValue
    int length = 16;
    // ColorJitter
    double brightness = 0.0, contrast = 0.0, saturation = 0.0, hue = 0.0;
};

struct NormalizeConfig
{
    bool enabled = true;
    std::vector<double> mean = {0.5, 0.5, 0.5};
    std::vector<double> std = {0.5, 0.5, 0.5};
};

struct DataConfig
{
    // "synthetic", "cifar10" (the user's data directory) or a path to a binary or image-folder set.
    std::string source = "synthetic";
    int trainLimit = 0; // 0: all; else the first N images (stratified order kept by the loader)
    int testLimit = 0;
    int syntheticTrain = 5000;
    int syntheticTest = 1000;
    int workers = 1; // batch-producing threads
};

struct OptimizerConfig
{
    enum class Kind { Sgd, Adam, AdamW };
    Kind kind = Kind::Sgd;
    double lr = 0.01;
    double momentum = 0.9;
    bool nesterov = false;
    double weightDecay = 0.0;
    // false: no weight decay on one-dimensional parameters (the norms' scales and shifts, biases),
    // as timm and most recipes since do; true: on every parameter, as torch.optim does.
    bool decayNormAndBias = true;
    double beta1 = 0.9, beta2 = 0.999;
};

struct ScheduleConfig
{
    enum class Kind { None, Plateau, Step, OneCycle, Cosine };
    Kind kind = Kind::Plateau;
    // ReduceLROnPlateau, on the test loss
    std::string mode = "min";
    double factor = 0.8;
    int patience = 0;
    double threshold = 1e-4;
    double minLr = 0.0;
    // StepLR
    int stepSize = 10;
    double gamma = 0.1;
    // OneCycle (stepped per batch)
    double maxLr = 0.1;
    double pctStart = 0.3;
    double divFactor = 25.0;
    double finalDivFactor = 1e4;
    // Cosine (stepped per batch): the rate rises linearly to optimizer.lr over warmupEpochs, then
    // falls along a half cosine to minLr at the last step.
    double warmupEpochs = 0.0;
};

struct ExperimentConfig
{
    std::string name;
    std::string preset; // informational: the preset this config started from
    ModelConfig model;
    DataConfig data;
    std::vector<AugmentStep> augment;
    NormalizeConfig normalize;
    OptimizerConfig optimizer;
    ScheduleConfig schedule;
    double labelSmoothing = 0.0;
    // Test-time augmentation: each test image is also evaluated flipped left to right, and the two
    // predicted distributions are averaged.
    bool testTimeFlip = false;
    // Test-time shifts: 0, or the pixels each test image is also moved left, right, up and down
    // (four more views, each also flipped with testTimeFlip), the predictions all averaged.
    int testTimeShift = 0;
    // An exponential moving average of the weights, updated after every step (0: none, else its
    // decay, such as 0.999): what is evaluated and what predictions from a checkpoint use.
    double emaDecay = 0.0;
    int epochs = 20;
    int batchSize = 32;
    // 500 rather than 1,000: half the peak memory of a run (about 550 against 890 MB) for about
    // a tenth of the evaluation speed.
    int evalBatchSize = 500;
    std::uint64_t seed = 1;
    int threads = 0; // 0: one per core
    std::string device = "auto"; // auto | cpu | cuda
    std::string memoryFormat = "auto"; // auto | nchw | channels_last
};

std::string toString(NormKind kind);
std::string toString(Architecture arch);
std::string toString(BlockKind kind);
std::string toString(AugmentStep::Kind kind);
std::string toString(OptimizerConfig::Kind kind);
std::string toString(ScheduleConfig::Kind kind);
std::optional<NormKind> normKindFromString(const std::string &text);

// What a person should know about a valid config before training it (each a sentence naming the
// field), such as a norm that cannot learn in this network; empty for most configs.
std::vector<std::string> adviceFor(const ExperimentConfig &config);

// Human-readable list of the enabled augmentations, e.g. "ColorJitter+Rotate".
std::string augmentSummary(const ExperimentConfig &config);

// `data.source` as it means the same from any working folder: a relative path made absolute
// (against this process's folder); "synthetic", "cifar10" and absolute paths as they are.
std::string absoluteDataSource(const std::string &source);

// Whether training uses channels-last memory: as configured, or by default where it is faster.
bool usesChannelsLast(const ExperimentConfig &config);

// The channel counts that decide GroupNorm's groups in this model, ascending: every normalized
// layer's width is one of them or a multiple of one.
std::vector<int> normalizedWidths(const ModelConfig &model);

// Checks ranges and combinations; throws ConfigError naming the field and what is allowed.
void validate(const ExperimentConfig &config);

} // namespace normlab
