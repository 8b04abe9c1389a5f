// `normlab-cli store ...`: what is done to whole stores. `store merge DIR...` takes the runs of
// other stores (a cluster sweep's task stores) into this one.
#pragma once

#include "train_commands.h"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace normlab::cli {

class StoreCommands
{
public:
    void addTo(CLI::App &app);
    bool parsed() const;
    int run() const;

private:
    CLI::App *m_group = nullptr;
    CLI::App *m_merge = nullptr;
    StoreOption m_store;
    std::vector<std::string> m_sources;
    bool m_json = false;
};

} // namespace normlab::cli
