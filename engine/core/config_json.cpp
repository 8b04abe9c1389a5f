#include "config_json.h"

#include "atomic_file.h"
#include "errors.h"
#include "json_object_reader.h"
#include "presets.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

using nlohmann::json;

namespace normlab {

namespace {

const std::vector<std::pair<std::string, NormKind>> kNormNames = {{"batch", NormKind::Batch},
                                                                  {"group", NormKind::Group},
                                                                  {"layer", NormKind::Layer},
                                                                  {"instance", NormKind::Instance},
                                                                  {"none", NormKind::None}};
const std::vector<std::pair<std::string, Architecture>> kArchNames = {
        {"s8", Architecture::S8}, {"s9", Architecture::S9}, {"stages", Architecture::Stages}};
const std::vector<std::pair<std::string, BlockKind>> kBlockNames = {
        {"plain", BlockKind::Plain},
        {"residual", BlockKind::Residual},
        {"separable", BlockKind::Separable},
        {"inverted", BlockKind::Inverted}};
const std::vector<std::pair<std::string, AugmentStep::Kind>> kAugmentNames = {
        {"HorizontalFlip", AugmentStep::Kind::HorizontalFlip},
        {"ShiftScaleRotate", AugmentStep::Kind::ShiftScaleRotate},
        {"CoarseDropout", AugmentStep::Kind::CoarseDropout},
        {"RandomCrop", AugmentStep::Kind::RandomCrop},
        {"ColorJitter", AugmentStep::Kind::ColorJitter},
        {"Rotate", AugmentStep::Kind::Rotate},
        {"Cutout", AugmentStep::Kind::Cutout}};
const std::vector<std::pair<std::string, OptimizerConfig::Kind>> kOptimizerNames = {
        {"sgd", OptimizerConfig::Kind::Sgd},
        {"adam", OptimizerConfig::Kind::Adam},
        {"adamw", OptimizerConfig::Kind::AdamW}};
const std::vector<std::pair<std::string, ScheduleConfig::Kind>> kScheduleNames = {
        {"none", ScheduleConfig::Kind::None},
        {"plateau", ScheduleConfig::Kind::Plateau},
        {"step", ScheduleConfig::Kind::Step},
        {"onecycle", ScheduleConfig::Kind::OneCycle},
        {"cosine", ScheduleConfig::Kind::Cosine}};

json stepToJson(const AugmentStep &s)
{
    json j = {{"type", toString(s.kind)}, {"p", s.p}};
    using K = AugmentStep::Kind;
    switch (s.kind) {
    case K::HorizontalFlip:
        break;
    case K::ShiftScaleRotate:
        j.update({{"shift_limit", s.shiftLimit},
                  {"scale_limit", s.scaleLimit},
                  {"rotate_limit", s.rotateLimit},
                  {"border_mode", s.borderMode}});
        break;
    case K::CoarseDropout:
        j.update({{"max_holes", s.maxHoles},
                  {"max_height", s.maxHeight},
                  {"max_width", s.maxWidth},
                  {"min_holes", s.minHoles},
                  {"min_height", s.minHeight},
                  {"min_width", s.minWidth},
                  {"fill_value", s.fillValue}});
        break;
    case K::RandomCrop:
        j["padding"] = s.padding;
        break;
    case K::ColorJitter:
        j.update({{"brightness", s.brightness},
                  {"contrast", s.contrast},
                  {"saturation", s.saturation},
                  {"hue", s.hue}});
        break;
    case K::Rotate:
        j.update({{"limit", s.rotateLimit}, {"fill", s.fillValue}});
        break;
    case K::Cutout:
        j.update({{"length", s.length}, {"fill", s.fillValue}});
        break;
    }
    return j;
}

AugmentStep stepFromJson(const json &j, const std::string &path)
{
    AugmentStep s;
    ObjectReader r(j, path);
    if (!j.contains("type"))
        throw ConfigError("config: '" + path + "' needs a 'type'");
    r.readEnum("type", s.kind, kAugmentNames);
    r.read("p", s.p);
    using K = AugmentStep::Kind;
    switch (s.kind) {
    case K::HorizontalFlip:
        s.p = j.value("p", 0.5);
        break;
    case K::ShiftScaleRotate:
        s.p = j.value("p", 0.5);
        r.read("shift_limit", s.shiftLimit);
        r.read("scale_limit", s.scaleLimit);
        r.read("rotate_limit", s.rotateLimit);
        r.read("border_mode", s.borderMode);
        if (s.borderMode != "constant" && s.borderMode != "reflect" &&
            s.borderMode != "reflect_101" && s.borderMode != "replicate" && s.borderMode != "wrap")
            throw ConfigError("config: '" + r.keyPath("border_mode") + "' is '" + s.borderMode +
                              "', allowed: constant, reflect, reflect_101, replicate, wrap");
        break;
    case K::CoarseDropout:
        s.p = j.value("p", 0.5);
        r.read("max_holes", s.maxHoles);
        r.read("max_height", s.maxHeight);
        r.read("max_width", s.maxWidth);
        // albumentations: a missing minimum equals its maximum
        s.minHoles = s.maxHoles;
        s.minHeight = s.maxHeight;
        s.minWidth = s.maxWidth;
        r.read("min_holes", s.minHoles);
        r.read("min_height", s.minHeight);
        r.read("min_width", s.minWidth);
        if (j.contains("fill_value") && j["fill_value"].is_number())
            s.fillValue = {j["fill_value"].get<double>()}, r.child("fill_value");
        else
            r.read("fill_value", s.fillValue);
        break;
    case K::RandomCrop:
        r.read("padding", s.padding);
        break;
    case K::ColorJitter:
        r.read("brightness", s.brightness);
        r.read("contrast", s.contrast);
        r.read("saturation", s.saturation);
        r.read("hue", s.hue);
        break;
    case K::Rotate:
    case K::Cutout:
        if (s.kind == K::Rotate)
            r.read("limit", s.rotateLimit);
        else
            r.read("length", s.length);
        if (j.contains("fill") && j["fill"].is_number())
            s.fillValue = {j["fill"].get<double>()}, r.child("fill");
        else
            r.read("fill", s.fillValue);
        break;
    }
    r.finish();
    return s;
}

} // namespace

json toJson(const ExperimentConfig &c)
{
    json augment = json::array();
    for (const AugmentStep &s : c.augment)
        augment.push_back(stepToJson(s));
    return {
            {"name", c.name},
            {"preset", c.preset},
            {"model",
             {{"arch", toString(c.model.arch)},
              {"norm", toString(c.model.norm)},
              {"groups", c.model.groups},
              {"affine", c.model.affine},
              {"skip", c.model.skip},
              {"dilation", c.model.dilation},
              {"depthwise", c.model.depthwise},
              {"dropout", c.model.dropout},
              {"block", toString(c.model.block)},
              {"widths", c.model.widths},
              {"depths", c.model.depths},
              {"kernel", c.model.kernel},
              {"expansion", c.model.expansion},
              {"squeeze_excite", c.model.squeezeExcite}}},
            {"data",
             {{"source", c.data.source},
              {"train_limit", c.data.trainLimit},
              {"test_limit", c.data.testLimit},
              {"synthetic_train", c.data.syntheticTrain},
              {"synthetic_test", c.data.syntheticTest},
              {"workers", c.data.workers}}},
            {"augment", augment},
            {"normalize",
             {{"enabled", c.normalize.enabled},
              {"mean", c.normalize.mean},
              {"std", c.normalize.std}}},
            {"optimizer",
             {{"type", toString(c.optimizer.kind)},
              {"lr", c.optimizer.lr},
              {"momentum", c.optimizer.momentum},
              {"nesterov", c.optimizer.nesterov},
              {"weight_decay", c.optimizer.weightDecay},
              {"decay_norm_and_bias", c.optimizer.decayNormAndBias},
              {"beta1", c.optimizer.beta1},
              {"beta2", c.optimizer.beta2}}},
            {"schedule",
             {{"type", toString(c.schedule.kind)},
              {"mode", c.schedule.mode},
              {"factor", c.schedule.factor},
              {"patience", c.schedule.patience},
              {"threshold", c.schedule.threshold},
              {"min_lr", c.schedule.minLr},
              {"step_size", c.schedule.stepSize},
              {"gamma", c.schedule.gamma},
              {"max_lr", c.schedule.maxLr},
              {"pct_start", c.schedule.pctStart},
              {"div_factor", c.schedule.divFactor},
              {"final_div_factor", c.schedule.finalDivFactor},
              {"warmup_epochs", c.schedule.warmupEpochs}}},
            {"label_smoothing", c.labelSmoothing},
            {"test_time_flip", c.testTimeFlip},
            {"test_time_shift", c.testTimeShift},
            {"ema_decay", c.emaDecay},
            {"epochs", c.epochs},
            {"batch_size", c.batchSize},
            {"eval_batch_size", c.evalBatchSize},
            {"seed", c.seed},
            {"threads", c.threads},
            {"device", c.device},
            {"memory_format", c.memoryFormat},
    };
}

ExperimentConfig configFromJson(const json &j, ExperimentConfig c)
{
    ObjectReader top(j, "");
    std::string preset;
    top.read("preset", preset);
    if (!preset.empty())
        c = presetConfig(preset);
    top.read("name", c.name);

    if (const json *m = top.child("model")) {
        ObjectReader r(*m, "model");
        r.readEnum("arch", c.model.arch, kArchNames);
        r.readEnum("norm", c.model.norm, kNormNames);
        r.read("groups", c.model.groups);
        r.read("affine", c.model.affine);
        r.read("skip", c.model.skip);
        r.read("dilation", c.model.dilation);
        r.read("depthwise", c.model.depthwise);
        r.read("dropout", c.model.dropout);
        r.readEnum("block", c.model.block, kBlockNames);
        r.read("widths", c.model.widths);
        r.read("depths", c.model.depths);
        r.read("kernel", c.model.kernel);
        r.read("expansion", c.model.expansion);
        r.read("squeeze_excite", c.model.squeezeExcite);
        r.finish();
    }
    if (const json *d = top.child("data")) {
        ObjectReader r(*d, "data");
        r.read("source", c.data.source);
        r.read("train_limit", c.data.trainLimit);
        r.read("test_limit", c.data.testLimit);
        r.read("synthetic_train", c.data.syntheticTrain);
        r.read("synthetic_test", c.data.syntheticTest);
        r.read("workers", c.data.workers);
        r.finish();
    }
    if (const json *a = top.child("augment")) {
        if (!a->is_array())
            throw ConfigError("config: 'augment' must be a list of steps");
        c.augment.clear();
        for (std::size_t i = 0; i < a->size(); ++i)
            c.augment.push_back(stepFromJson((*a)[i], "augment[" + std::to_string(i) + "]"));
    }
    if (const json *n = top.child("normalize")) {
        ObjectReader r(*n, "normalize");
        r.read("enabled", c.normalize.enabled);
        r.read("mean", c.normalize.mean);
        r.read("std", c.normalize.std);
        r.finish();
    }
    if (const json *o = top.child("optimizer")) {
        ObjectReader r(*o, "optimizer");
        r.readEnum("type", c.optimizer.kind, kOptimizerNames);
        r.read("lr", c.optimizer.lr);
        r.read("momentum", c.optimizer.momentum);
        r.read("nesterov", c.optimizer.nesterov);
        r.read("weight_decay", c.optimizer.weightDecay);
        r.read("decay_norm_and_bias", c.optimizer.decayNormAndBias);
        r.read("beta1", c.optimizer.beta1);
        r.read("beta2", c.optimizer.beta2);
        r.finish();
    }
    if (const json *s = top.child("schedule")) {
        ObjectReader r(*s, "schedule");
        r.readEnum("type", c.schedule.kind, kScheduleNames);
        r.read("mode", c.schedule.mode);
        r.read("factor", c.schedule.factor);
        r.read("patience", c.schedule.patience);
        r.read("threshold", c.schedule.threshold);
        r.read("min_lr", c.schedule.minLr);
        r.read("step_size", c.schedule.stepSize);
        r.read("gamma", c.schedule.gamma);
        r.read("max_lr", c.schedule.maxLr);
        r.read("pct_start", c.schedule.pctStart);
        r.read("div_factor", c.schedule.divFactor);
        r.read("final_div_factor", c.schedule.finalDivFactor);
        r.read("warmup_epochs", c.schedule.warmupEpochs);
        r.finish();
    }
    top.read("label_smoothing", c.labelSmoothing);
    top.read("test_time_flip", c.testTimeFlip);
    top.read("test_time_shift", c.testTimeShift);
    top.read("ema_decay", c.emaDecay);
    top.read("epochs", c.epochs);
    top.read("batch_size", c.batchSize);
    top.read("eval_batch_size", c.evalBatchSize);
    top.read("seed", c.seed);
    top.read("threads", c.threads);
    top.read("device", c.device);
    top.read("memory_format", c.memoryFormat);
    top.finish();
    validate(c);
    return c;
}

ExperimentConfig recordedConfigFromJson(const json &j)
{
    const auto preset = j.find("preset"); // end() for a non-object, which configFromJson names
    if (preset == j.end() || !preset->is_string())
        return configFromJson(j);
    json rest = j;
    rest.erase("preset");
    ExperimentConfig c = configFromJson(rest);
    c.preset = preset->get<std::string>();
    return c;
}

json recordedConfigJson(const json &j)
{
    try {
        return toJson(recordedConfigFromJson(j));
    } catch (const ConfigError &) {
        return j;
    }
}

json parseConfigText(const std::string &text, const std::string &source)
{
    // nlohmann keeps the last of two equal keys; in a config that is a typo to point out, not a
    // value to drop. One set of keys per open object, innermost last.
    std::vector<std::set<std::string>> keys;
    std::string duplicate;
    const json::parser_callback_t noDuplicates = [&](int, json::parse_event_t event, json &parsed) {
        if (event == json::parse_event_t::object_start)
            keys.emplace_back();
        else if (event == json::parse_event_t::object_end && !keys.empty())
            keys.pop_back();
        else if (event == json::parse_event_t::key && !keys.empty() &&
                 !keys.back().insert(parsed.get<std::string>()).second && duplicate.empty())
            duplicate = parsed.get<std::string>();
        return true;
    };
    json j;
    try {
        j = json::parse(text, noDuplicates);
    } catch (const json::parse_error &e) {
        throw ConfigError(source + ": not valid JSON (byte " + std::to_string(e.byte) + ")");
    } catch (const json::out_of_range &) { // 1e999: no double holds it
        throw ConfigError(source + ": a number is too large to read (beyond a double's range)");
    }
    if (!duplicate.empty())
        throw ConfigError(source + ": the key '" + duplicate +
                          "' appears twice in one object; keep one");
    return j;
}

json readConfigJson(const std::string &path)
{
    std::error_code error;
    if (std::filesystem::is_directory(path, error))
        throw ConfigError(path + ": is a folder, not a config file");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw ConfigError(path + ": cannot open the config file");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad())
        throw ConfigError(path + ": cannot read the config file");
    return parseConfigText(text.str(), path);
}

ExperimentConfig loadConfigFile(const std::string &path)
{
    const json j = readConfigJson(path);
    try {
        return configFromJson(j);
    } catch (const ConfigError &e) {
        throw ConfigError(path + ": " + e.what());
    }
}

void saveConfigFile(const ExperimentConfig &config, const std::string &path)
{
    writeFileAtomically(path, toJson(config).dump(2) + "\n");
}

} // namespace normlab
