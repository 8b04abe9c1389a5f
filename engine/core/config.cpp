#include "config.h"

#include "config_limits.h"

#include "errors.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

namespace normlab {

std::string toString(NormKind kind)
{
    switch (kind) {
    case NormKind::Batch:
        return "batch";
    case NormKind::Group:
        return "group";
    case NormKind::Layer:
        return "layer";
    case NormKind::Instance:
        return "instance";
    case NormKind::None:
        return "none";
    }
    return "?";
}

std::optional<NormKind> normKindFromString(const std::string &text)
{
    for (NormKind k :
         {NormKind::Batch, NormKind::Group, NormKind::Layer, NormKind::Instance, NormKind::None}) {
        if (toString(k) == text)
            return k;
    }
    return std::nullopt;
}

std::string toString(Architecture arch)
{
    switch (arch) {
    case Architecture::S8:
        return "s8";
    case Architecture::S9:
        return "s9";
    case Architecture::Stages:
        return "stages";
    }
    return "?";
}

std::string toString(BlockKind kind)
{
    switch (kind) {
    case BlockKind::Plain:
        return "plain";
    case BlockKind::Residual:
        return "residual";
    case BlockKind::Separable:
        return "separable";
    case BlockKind::Inverted:
        return "inverted";
    }
    return "?";
}

std::vector<int> normalizedWidths(const ModelConfig &m)
{
    std::vector<int> widths;
    switch (m.arch) {
    case Architecture::S8:
        widths = {24, 32};
        break;
    case Architecture::S9:
        widths = {32, 64, 96};
        break;
    case Architecture::Stages:
        // An inverted block's widened layer has `expansion` times a stage's width: every
        // divisor of the stage's width divides it too, so the stages' widths decide.
        widths = m.widths;
        break;
    }
    std::sort(widths.begin(), widths.end());
    widths.erase(std::unique(widths.begin(), widths.end()), widths.end());
    return widths;
}

std::string toString(AugmentStep::Kind kind)
{
    using K = AugmentStep::Kind;
    switch (kind) {
    case K::HorizontalFlip:
        return "HorizontalFlip";
    case K::ShiftScaleRotate:
        return "ShiftScaleRotate";
    case K::CoarseDropout:
        return "CoarseDropout";
    case K::RandomCrop:
        return "RandomCrop";
    case K::ColorJitter:
        return "ColorJitter";
    case K::Rotate:
        return "Rotate";
    case K::Cutout:
        return "Cutout";
    }
    return "?";
}

std::string toString(OptimizerConfig::Kind kind)
{
    switch (kind) {
    case OptimizerConfig::Kind::Sgd:
        return "sgd";
    case OptimizerConfig::Kind::Adam:
        return "adam";
    case OptimizerConfig::Kind::AdamW:
        return "adamw";
    }
    return "?";
}

std::string toString(ScheduleConfig::Kind kind)
{
    switch (kind) {
    case ScheduleConfig::Kind::None:
        return "none";
    case ScheduleConfig::Kind::Plateau:
        return "plateau";
    case ScheduleConfig::Kind::Step:
        return "step";
    case ScheduleConfig::Kind::OneCycle:
        return "onecycle";
    case ScheduleConfig::Kind::Cosine:
        return "cosine";
    }
    return "?";
}

std::vector<std::string> adviceFor(const ExperimentConfig &config)
{
    std::vector<std::string> advice;
    // s8 and s9 end in conv block -> norm -> global average pool (model_spec), and so do Stages
    // nets whose last blocks are instance-normalised conv blocks plus skips from more of them:
    // the pooled mean of each is its bias. A bare 1x1 (inverted blocks) or a squeeze-excite gate
    // before the pool breaks that.
    const ModelConfig &m = config.model;
    const bool endsInNormalizedBlocks = m.arch != Architecture::Stages || m.depths.empty() ||
                                        m.depths.back() == 0 ||
                                        (m.block != BlockKind::Inverted && !m.squeezeExcite);
    if (m.norm == NormKind::Instance && endsInNormalizedBlocks)
        advice.push_back("model.norm: InstanceNorm just before the global average pool makes the "
                         "pooled values equal the norm's bias, so the logits do not depend on the "
                         "convolutions; this net cannot learn with it (docs/config.md)");
    return advice;
}

std::string augmentSummary(const ExperimentConfig &config)
{
    std::string text;
    for (const AugmentStep &step : config.augment) {
        if (step.p <= 0.0)
            continue;
        if (!text.empty())
            text += '+';
        text += toString(step.kind);
    }
    return text.empty() ? "none" : text;
}

namespace {

template<typename T> void requireRange(const std::string &field, T value, T lo, T hi)
{
    if (!(value >= lo && value <= hi)) {
        std::ostringstream out;
        out << "config: '" << field << "' is " << value << ", allowed " << lo << " to " << hi;
        throw ConfigError(out.str());
    }
}

// As a person wrote it: 2.5, 0.001, 1e-06.
std::string formatNumber(double value)
{
    std::ostringstream out;
    out << value;
    return out.str();
}

void validateStep(const AugmentStep &s, std::size_t index)
{
    const std::string at = "augment[" + std::to_string(index) + "] (" + toString(s.kind) + ").";
    requireRange(at + "p", s.p, 0.0, 1.0);
    using K = AugmentStep::Kind;
    switch (s.kind) {
    case K::HorizontalFlip:
        break;
    case K::ShiftScaleRotate:
        requireRange(at + "shift_limit", s.shiftLimit, 0.0, 1.0);
        requireRange(at + "scale_limit", s.scaleLimit, 0.0, 0.99);
        requireRange(at + "rotate_limit", s.rotateLimit, 0.0, 180.0);
        break;
    case K::CoarseDropout:
        requireRange(at + "min_holes", s.minHoles, 0, 64);
        requireRange(at + "max_holes", s.maxHoles, s.minHoles, 64);
        requireRange(at + "min_height", s.minHeight, 1, 32);
        requireRange(at + "max_height", s.maxHeight, s.minHeight, 32);
        requireRange(at + "min_width", s.minWidth, 1, 32);
        requireRange(at + "max_width", s.maxWidth, s.minWidth, 32);
        if (s.fillValue.size() != 1 && s.fillValue.size() != 3)
            throw ConfigError("config: '" + at + "fill_value' needs 1 or 3 values");
        for (double v : s.fillValue)
            requireRange(at + "fill_value", v, 0.0, 255.0);
        break;
    case K::RandomCrop:
        requireRange(at + "padding", s.padding, 0, 16);
        break;
    case K::Cutout:
        requireRange(at + "length", s.length, 1, 32);
        if (s.fillValue.size() != 1 && s.fillValue.size() != 3)
            throw ConfigError("config: '" + at + "fill' needs 1 or 3 values");
        for (double v : s.fillValue)
            requireRange(at + "fill", v, 0.0, 255.0);
        break;
    case K::ColorJitter:
        requireRange(at + "brightness", s.brightness, 0.0, 1.0);
        requireRange(at + "contrast", s.contrast, 0.0, 1.0);
        requireRange(at + "saturation", s.saturation, 0.0, 1.0);
        requireRange(at + "hue", s.hue, 0.0, 0.5);
        break;
    case K::Rotate:
        requireRange(at + "limit", s.rotateLimit, 0.0, 180.0);
        if (s.fillValue.size() != 1 && s.fillValue.size() != 3)
            throw ConfigError("config: '" + at + "fill' needs 1 or 3 values");
        break;
    }
}

} // namespace

std::string absoluteDataSource(const std::string &source)
{
    if (source.empty() || source == "synthetic" || source == "cifar10")
        return source;
    // weakly_canonical, not a lexical clean-up: "link/../x" is not "x" when link is a symlink.
    std::error_code error;
    const std::filesystem::path absolute = std::filesystem::weakly_canonical(source, error);
    return error ? source : absolute.string();
}

bool usesChannelsLast(const ExperimentConfig &c)
{
    if (c.memoryFormat == "channels_last")
        return true;
    if (c.memoryFormat == "nchw")
        return false;
    // Measured on 2-core machines: with the fused norm block (engine/model/fused_norm_block),
    // channels-last is the faster layout for every norm it takes (s8-gn 658 -> 931, s8-ln 604 ->
    // 978 train img/s). LibTorch's own LayerNorm, which an elementwise affine still needs, was
    // slower in channels-last; without a norm it is unmeasured, so it stays NCHW.
    if (c.model.norm == NormKind::None)
        return false;
    if (c.model.norm == NormKind::Layer && c.model.affine)
        return false;
    return true;
}

namespace {

void validateStages(const ModelConfig &m)
{
    if (m.widths.empty() || m.widths.size() > static_cast<std::size_t>(limits::kMaxStages))
        throw ConfigError("config: 'model.widths' has " + std::to_string(m.widths.size()) +
                          " values; allowed: 1 to " + std::to_string(limits::kMaxStages) +
                          " stages");
    if (m.depths.size() != m.widths.size())
        throw ConfigError("config: 'model.depths' has " + std::to_string(m.depths.size()) +
                          " values but 'model.widths' has " + std::to_string(m.widths.size()) +
                          "; give one depth per stage");
    for (int w : m.widths)
        requireRange("model.widths", w, limits::kMinWidth, limits::kMaxWidth);
    for (int d : m.depths)
        requireRange("model.depths", d, 0, limits::kMaxDepth);
    requireRange("model.kernel", m.kernel, 1, limits::kMaxKernel);
    if (m.kernel % 2 == 0)
        throw ConfigError("config: 'model.kernel' is " + std::to_string(m.kernel) +
                          "; allowed: an odd size (1, 3, 5, 7, 9), so that a block keeps the "
                          "image size");
    requireRange("model.expansion", m.expansion, 1, limits::kMaxExpansion);
    // Each stage after the first halves a 32x32 image: six stages take it down to 1x1.
}

} // namespace

void validate(const ExperimentConfig &c)
{
    requireRange("epochs", c.epochs, limits::kMinEpochs, limits::kMaxEpochs);
    requireRange("batch_size", c.batchSize, limits::kMinBatchSize, limits::kMaxBatchSize);
    requireRange("eval_batch_size", c.evalBatchSize, limits::kMinBatchSize, limits::kMaxBatchSize);
    requireRange("threads", c.threads, 0, limits::kMaxThreads);
    requireRange("label_smoothing", c.labelSmoothing, 0.0, 0.99);
    requireRange("ema_decay", c.emaDecay, 0.0, 0.999999);
    requireRange("test_time_shift", c.testTimeShift, 0, limits::kMaxTestTimeShift);
    requireRange("model.dropout", c.model.dropout, 0.0, limits::kMaxDropout);
    if (c.model.arch == Architecture::Stages)
        validateStages(c.model);
    if (c.model.norm == NormKind::Group) {
        requireRange("model.groups", c.model.groups, limits::kMinGroups, limits::kMaxGroups);
        // Every normalized layer must split evenly into groups.
        const std::vector<int> widths = normalizedWidths(c.model);
        std::string divisors;
        for (int g = 1; g <= widths.front(); ++g) {
            if (std::all_of(widths.begin(), widths.end(), [g](int w) { return w % g == 0; }))
                divisors += (divisors.empty() ? "" : ", ") + std::to_string(g);
        }
        for (int w : widths) {
            if (w % c.model.groups != 0)
                throw ConfigError(
                        "config: 'model.groups' is " + std::to_string(c.model.groups) + ", but a " +
                        toString(c.model.arch) + " layer has " + std::to_string(w) +
                        " channels; allowed: a divisor of every layer width (" + divisors + ")");
        }
    }
    requireRange("data.train_limit", c.data.trainLimit, 0, limits::kMaxImageLimit);
    requireRange("data.test_limit", c.data.testLimit, 0, limits::kMaxImageLimit);
    requireRange("data.synthetic_train", c.data.syntheticTrain, 10, 1'000'000);
    requireRange("data.synthetic_test", c.data.syntheticTest, 10, 1'000'000);
    requireRange("data.workers", c.data.workers, 1, 64);
    if (c.data.source.empty())
        throw ConfigError(
                "config: 'data.source' is empty; allowed: synthetic, cifar10 or a folder path");
    for (std::size_t i = 0; i < c.augment.size(); ++i)
        validateStep(c.augment[i], i);
    if (c.normalize.mean.size() != 3 || c.normalize.std.size() != 3)
        throw ConfigError("config: 'normalize.mean' and 'normalize.std' need 3 values (R, G, B)");
    for (double s : c.normalize.std)
        requireRange("normalize.std", s, 1e-6, 1e6);
    requireRange("optimizer.lr", c.optimizer.lr, limits::kMinLr, limits::kMaxLr);
    requireRange("optimizer.momentum", c.optimizer.momentum, 0.0, 0.999999);
    requireRange("optimizer.weight_decay", c.optimizer.weightDecay, 0.0, 1.0);
    requireRange("optimizer.beta1", c.optimizer.beta1, 0.0, 0.999999);
    requireRange("optimizer.beta2", c.optimizer.beta2, 0.0, 0.999999);
    if (c.optimizer.nesterov && c.optimizer.momentum <= 0.0)
        throw ConfigError("config: 'optimizer.nesterov' needs 'optimizer.momentum' above 0");
    if (c.schedule.mode != "min" && c.schedule.mode != "max")
        throw ConfigError("config: 'schedule.mode' is '" + c.schedule.mode +
                          "', allowed: min, max");
    requireRange("schedule.factor", c.schedule.factor, 1e-6, 0.999999);
    requireRange("schedule.patience", c.schedule.patience, 0, 10000);
    requireRange("schedule.step_size", c.schedule.stepSize, 1, 10000);
    requireRange("schedule.gamma", c.schedule.gamma, 1e-6, 1.0);
    requireRange("schedule.max_lr", c.schedule.maxLr, 1e-9, 10.0);
    requireRange("schedule.pct_start", c.schedule.pctStart, 0.01, 0.99);
    requireRange("schedule.min_lr", c.schedule.minLr, 0.0, limits::kMaxLr);
    requireRange("schedule.warmup_epochs", c.schedule.warmupEpochs, 0.0, 10000.0);
    if (c.schedule.kind == ScheduleConfig::Kind::Cosine) {
        if (c.schedule.warmupEpochs >= c.epochs)
            throw ConfigError("config: 'schedule.warmup_epochs' is " +
                              formatNumber(c.schedule.warmupEpochs) +
                              ": the warm-up must end before the last epoch ('epochs' is " +
                              std::to_string(c.epochs) + ")");
        if (c.schedule.minLr >= c.optimizer.lr)
            throw ConfigError("config: 'schedule.min_lr' (" + formatNumber(c.schedule.minLr) +
                              ") must be below 'optimizer.lr' (" + formatNumber(c.optimizer.lr) +
                              "): the cosine falls from one to the other");
    }
    if (c.device != "auto" && c.device != "cpu" && c.device != "cuda")
        throw ConfigError("config: 'device' is '" + c.device + "', allowed: auto, cpu, cuda");
    if (c.memoryFormat != "auto" && c.memoryFormat != "nchw" && c.memoryFormat != "channels_last")
        throw ConfigError("config: 'memory_format' is '" + c.memoryFormat +
                          "', allowed: auto, nchw, channels_last");
}

} // namespace normlab
