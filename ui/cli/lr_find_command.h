// `normlab-cli lr-find`: the learning-rate range test (engine/train/lr_range_test) on a preset or
// config, or on a recorded run's config (--run), printed as a table with its suggestion and
// recorded in the store with the run it belongs to.
#pragma once

#include "config_options.h"
#include "train_commands.h"

#include <CLI/CLI.hpp>

#include <cstdint>

namespace normlab::cli {

class LrFindCommand
{
public:
    void addTo(CLI::App &app);
    bool parsed() const;
    int run() const;

private:
    CLI::App *m_command = nullptr;
    ConfigOptions m_config;
    StoreOption m_store;
    double m_start = 1e-5, m_end = 1.0;
    int m_iterations = 100;
    std::int64_t m_run = 0;
    bool m_json = false;
};

} // namespace normlab::cli
