// `normlab-cli export RUN... --format csv|tensorboard|mlflow --out DIR`.
#pragma once

#include "train_commands.h"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace normlab::cli {

class ExportCommand
{
public:
    void addTo(CLI::App &app);
    bool parsed() const { return m_command && m_command->parsed(); }
    int run() const;

private:
    CLI::App *m_command = nullptr;
    StoreOption m_store;
    std::vector<std::string> m_runs;
    bool m_all = false;
    std::string m_format = "csv";
    std::string m_out;
    std::string m_experiment = "normlab";
    bool m_noImages = false;
};

} // namespace normlab::cli
