// `normlab-cli evaluate RUN`: a recorded run's best or last checkpoint on its test set again, with
// the test-time views it recorded or others (--tta-flip, --no-tta-flip, --tta-shift N): what more
// views would have given, without training again. Prints; records nothing.
#pragma once

#include "train_commands.h"

#include <CLI/CLI.hpp>

#include <string>

namespace normlab::cli {

class EvaluateCommand
{
public:
    void addTo(CLI::App &app);
    bool parsed() const;
    int run() const;

private:
    CLI::App *m_command = nullptr;
    StoreOption m_store;
    std::string m_run;
    std::string m_checkpoint = "last";
    std::string m_data; // empty: the run's
    bool m_flip = false, m_noFlip = false;
    int m_shift = -1; // -1: the run's
    bool m_json = false;
};

} // namespace normlab::cli
