// The options shared by every command that builds an ExperimentConfig (train, summary, bench):
// a preset and/or a config file, then per-option overrides.
#pragma once

#include "config.h"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace normlab::cli {

class ConfigOptions
{
public:
    // `full`: also the training-recipe options, not only those that shape the model.
    void addTo(CLI::App &command, bool full = true);

    // Preset, then the config file's keys, then the overrides given on the command line.
    // Throws ConfigError naming the option or key.
    ExperimentConfig build() const;

    // Sweeps accept a comma-separated list for --norm; build() then uses its first entry.
    void allowNormList() { m_allowNormList = true; }
    std::vector<std::string> normList() const;

private:
    CLI::App *m_command = nullptr;
    std::string m_preset;
    std::string m_configFile;
    std::string m_norm, m_data, m_device, m_optimizer, m_schedule, m_memoryFormat;
    int m_groups = 4, m_batchSize = 32, m_epochs = 20, m_threads = 0, m_workers = 1;
    int m_trainLimit = 0, m_testLimit = 0;
    double m_lr = 0.01, m_maxLr = 0.1, m_momentum = 0.9, m_weightDecay = 0, m_dropout = 0.05,
           m_labelSmoothing = 0;
    double m_warmupEpochs = 0, m_minLr = 0, m_emaDecay = 0;
    std::uint64_t m_seed = 1;
    bool m_noSkip = false, m_noDilation = false, m_noDepthwise = false, m_noAugment = false;
    bool m_testTimeFlip = false, m_noDecayNormBias = false;
    int m_testTimeShift = 0;
    bool m_noAffine = false;
    // the Stages net's switches
    std::string m_arch, m_block;
    std::vector<int> m_widths, m_depths;
    int m_kernel = 5, m_expansion = 3;
    bool m_squeezeExcite = false;
    bool m_allowNormList = false;
};

} // namespace normlab::cli
