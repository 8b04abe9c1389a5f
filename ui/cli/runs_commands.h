// `normlab-cli runs ...`: list, show, compare, inside, tag, note and delete recorded runs.
#pragma once

#include "train_commands.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace normlab {
class RunStore;
}

namespace normlab::cli {

// A run id as typed: a number, or "last". Throws StoreError with a hint.
std::int64_t parseRunId(const RunStore &store, const std::string &text);

class RunsCommands
{
public:
    void addTo(CLI::App &app);
    // Whether one of the runs subcommands was given; then run() does it.
    bool parsed() const;
    int run() const;

private:
    CLI::App *m_runs = nullptr;
    CLI::App *m_list = nullptr, *m_show = nullptr, *m_compare = nullptr, *m_inside = nullptr,
             *m_tag = nullptr, *m_note = nullptr, *m_delete = nullptr;
    StoreOption m_store;
    std::string m_status, m_tagFilter, m_search, m_sweep, m_compareSweep;
    bool m_json = false;
    std::string m_run;
    std::vector<std::string> m_ids;
    std::vector<std::string> m_tags;
    bool m_removeTags = false;
    std::string m_noteText;
    std::string m_stat = "output_std";
    int m_epoch = 0;
    bool m_yes = false;
};

} // namespace normlab::cli
