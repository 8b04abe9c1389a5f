// `normlab-cli report RUN... --out DIR`: a write-up of recorded runs (engine/report) as one
// self-contained HTML file or as Markdown with a folder of PNGs.
#pragma once

#include "train_commands.h"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace normlab::cli {

class ReportCommand
{
public:
    void addTo(CLI::App &app);
    bool parsed() const;
    int run() const;

private:
    CLI::App *m_command = nullptr;
    StoreOption m_store;
    std::vector<std::string> m_runs;
    std::string m_sweep;
    std::string m_out;
    std::string m_format = "html";
    std::string m_title;
    int m_mistakes = 32;
    bool m_gradCam = false;
};

} // namespace normlab::cli
