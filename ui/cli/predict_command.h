// `normlab-cli predict RUN IMAGE...`: a recorded run's top-5 classes for image files of any size
// (engine/session/trained_model), as a table or JSON lines. A file that cannot be read is named
// and skipped; the exit code is then 2.
#pragma once

#include "train_commands.h"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace normlab::cli {

class PredictCommand
{
public:
    void addTo(CLI::App &app);
    bool parsed() const;
    int run() const;

private:
    CLI::App *m_command = nullptr;
    StoreOption m_store;
    std::string m_run;
    std::vector<std::string> m_images;
    std::string m_checkpoint = "best";
    int m_top = 5;
    bool m_json = false;
};

} // namespace normlab::cli
