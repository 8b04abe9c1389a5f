#include "config_options.h"

#include "config_json.h"
#include "errors.h"
#include "presets.h"

#include <nlohmann/json.hpp>

namespace normlab::cli {

void ConfigOptions::addTo(CLI::App &c, bool full)
{
    m_command = &c;
    c.add_option("preset", m_preset,
                 "Preset: s8-bn, s8-gn, s8-ln, s9, tiny or fast (default s8-bn)");
    c.add_option("--preset", m_preset, "Same as the positional preset");
    c.add_option("--config", m_configFile,
                 "JSON config file (see docs/config.md); options given here override it");
    c.add_option("--norm", m_norm, "Normalization: batch, group, layer, instance, none");
    c.add_option("--groups", m_groups, "GroupNorm groups");
    c.add_flag("--no-affine", m_noAffine,
               "LayerNorm/InstanceNorm without learnable scale and shift");
    c.add_flag("--no-skip", m_noSkip, "Remove the skip connections");
    c.add_flag("--no-dilation", m_noDilation, "s9: plain instead of dilated convolution");
    c.add_flag("--no-depthwise", m_noDepthwise, "s9: full instead of depthwise convolution");
    c.add_option("--dropout", m_dropout, "Dropout probability after each block");
    c.add_option("--arch", m_arch, "Network: s8, s9 or stages (built from the options below)");
    c.add_option("--block", m_block, "stages: plain, residual, separable or inverted blocks");
    c.add_option("--widths", m_widths, "stages: channels of each stage, such as 32,64,96")
            ->delimiter(',');
    c.add_option("--depths", m_depths, "stages: blocks in each stage, such as 1,2,2")
            ->delimiter(',');
    c.add_option("--kernel", m_kernel, "stages: the blocks' kernel size (3, 5, 7)");
    c.add_option("--expansion", m_expansion, "stages, inverted blocks: the widening factor");
    c.add_flag("--se", m_squeezeExcite, "stages: a squeeze-and-excitation gate in each block");
    if (!full)
        return;
    c.add_option(
            "--data", m_data,
            "synthetic, cifar10 (downloaded) or a folder (binary files or train/ test/ images)");
    c.add_option("--train-limit", m_trainLimit, "Use a fixed subset of N training images (0: all)");
    c.add_option("--test-limit", m_testLimit, "Use a fixed subset of N test images (0: all)");
    c.add_option("--epochs", m_epochs, "Epochs");
    c.add_option("--batch-size", m_batchSize, "Batch size");
    c.add_option("--lr", m_lr, "Learning rate");
    c.add_option("--momentum", m_momentum, "SGD momentum");
    c.add_option("--weight-decay", m_weightDecay, "Weight decay");
    c.add_option("--optimizer", m_optimizer, "sgd, adam or adamw");
    c.add_option("--schedule", m_schedule, "plateau, step, onecycle, cosine or none");
    c.add_option("--warmup-epochs", m_warmupEpochs,
                 "cosine: epochs (or a fraction) of linear warm-up to --lr before the decay");
    c.add_option("--min-lr", m_minLr, "cosine: the rate at the last step (plateau: its floor)");
    c.add_option("--max-lr", m_maxLr,
                 "OneCycle's peak learning rate (normlab-cli lr-find suggests one)");
    c.add_option("--label-smoothing", m_labelSmoothing, "Label smoothing of the NLL loss");
    c.add_flag("--no-augment", m_noAugment, "Train without augmentation (normalization stays)");
    c.add_option("--ema", m_emaDecay,
                 "Evaluate an exponential moving average of the weights with this decay (0.999)");
    c.add_flag("--tta-flip", m_testTimeFlip,
               "Evaluate each test image also flipped left to right, averaging the predictions");
    c.add_option("--tta-shift", m_testTimeShift,
                 "Evaluate each test image also moved this many pixels left, right, up and down, "
                 "averaging the predictions (0: not)");
    c.add_flag("--no-decay-norm-bias", m_noDecayNormBias,
               "No weight decay on the norms' scales and shifts and on biases");
    c.add_option("--seed", m_seed, "Random seed");
    c.add_option("--threads", m_threads, "LibTorch threads (0: one per core)");
    c.add_option("--workers", m_workers, "Data-pipeline threads");
    c.add_option("--device", m_device, "auto, cpu or cuda");
    c.add_option("--memory-format", m_memoryFormat, "auto, nchw or channels_last");
}

std::vector<std::string> ConfigOptions::normList() const
{
    if (!m_allowNormList || m_norm.find(',') == std::string::npos)
        return {m_norm};
    std::vector<std::string> names;
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = m_norm.find(',', start);
        names.push_back(m_norm.substr(start, comma == std::string::npos ? std::string::npos
                                                                        : comma - start));
        if (comma == std::string::npos)
            return names;
        start = comma + 1;
    }
}

ExperimentConfig ConfigOptions::build() const
{
    auto given = [this](const char *name) {
        const CLI::Option *option = m_command->get_option_no_throw(name);
        return option && option->count() > 0;
    };
    ExperimentConfig c = presetConfig(m_preset.empty() ? "s8-bn" : m_preset);
    if (!m_configFile.empty()) {
        nlohmann::json j = readConfigJson(m_configFile);
        // An explicit preset on the command line wins over the file's.
        if (!m_preset.empty() && j.is_object())
            j.erase("preset");
        try {
            c = configFromJson(j, c);
        } catch (const ConfigError &e) {
            throw ConfigError(m_configFile + ": " + e.what());
        }
    }
    if (given("--norm")) {
        for (const std::string &name : normList()) {
            if (!normKindFromString(name))
                throw ConfigError("--norm: '" + name +
                                  "' is not one of batch, group, layer, instance, none");
        }
        c.model.norm = *normKindFromString(normList().front());
    }
    if (given("--groups"))
        c.model.groups = m_groups;
    if (m_noAffine)
        c.model.affine = false;
    if (m_noSkip)
        c.model.skip = false;
    if (m_noDilation)
        c.model.dilation = false;
    if (m_noDepthwise)
        c.model.depthwise = false;
    if (given("--dropout"))
        c.model.dropout = m_dropout;
    if (given("--data"))
        c.data.source = m_data;
    if (given("--train-limit"))
        c.data.trainLimit = m_trainLimit;
    if (given("--test-limit"))
        c.data.testLimit = m_testLimit;
    if (given("--epochs"))
        c.epochs = m_epochs;
    if (given("--batch-size"))
        c.batchSize = m_batchSize;
    if (given("--lr"))
        c.optimizer.lr = m_lr;
    if (given("--max-lr"))
        c.schedule.maxLr = m_maxLr;
    if (given("--warmup-epochs"))
        c.schedule.warmupEpochs = m_warmupEpochs;
    if (given("--min-lr"))
        c.schedule.minLr = m_minLr;
    if (given("--momentum"))
        c.optimizer.momentum = m_momentum;
    if (given("--weight-decay"))
        c.optimizer.weightDecay = m_weightDecay;
    if (given("--label-smoothing"))
        c.labelSmoothing = m_labelSmoothing;
    if (m_testTimeFlip)
        c.testTimeFlip = true;
    if (given("--tta-shift"))
        c.testTimeShift = m_testTimeShift;
    if (given("--ema"))
        c.emaDecay = m_emaDecay;
    if (m_noDecayNormBias)
        c.optimizer.decayNormAndBias = false;
    if (m_noAugment)
        c.augment.clear();
    if (given("--seed"))
        c.seed = m_seed;
    if (given("--threads"))
        c.threads = m_threads;
    if (given("--workers"))
        c.data.workers = m_workers;
    if (given("--device"))
        c.device = m_device;
    if (given("--memory-format"))
        c.memoryFormat = m_memoryFormat;
    // Enumerations go through the JSON reader so that the messages match a config file's.
    nlohmann::json patch = nlohmann::json::object();
    nlohmann::json model = nlohmann::json::object();
    if (given("--arch"))
        model["arch"] = m_arch;
    if (given("--block"))
        model["block"] = m_block;
    if (given("--widths"))
        model["widths"] = m_widths;
    if (given("--depths"))
        model["depths"] = m_depths;
    if (given("--kernel"))
        model["kernel"] = m_kernel;
    if (given("--expansion"))
        model["expansion"] = m_expansion;
    if (m_squeezeExcite)
        model["squeeze_excite"] = true;
    if (!model.empty())
        patch["model"] = model;
    if (given("--optimizer"))
        patch["optimizer"] = {{"type", m_optimizer}};
    if (given("--schedule"))
        patch["schedule"] = {{"type", m_schedule}};
    if (!patch.empty())
        c = configFromJson(patch, c);
    validate(c);
    return c;
}

} // namespace normlab::cli
