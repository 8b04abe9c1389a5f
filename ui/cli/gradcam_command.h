// `normlab-cli gradcam RUN --out DIR`: where a recorded run looked when it got test images wrong.
// Grad-CAM (engine/session/trained_model) of the run's most confident mistakes at the epoch of its
// best or last checkpoint, for the predicted and for the true class, drawn over the images as
// PNG grids beside the plain grid.
#pragma once

#include "train_commands.h"

#include <CLI/CLI.hpp>

#include <string>

namespace normlab::cli {

class GradCamCommand
{
public:
    void addTo(CLI::App &app);
    bool parsed() const;
    int run() const;

private:
    CLI::App *m_command = nullptr;
    StoreOption m_store;
    std::string m_run;
    std::string m_out;
    std::string m_checkpoint = "best";
    std::string m_data; // empty: the run's recorded data
    std::string m_layer; // empty: the last conv block before the pool
    int m_epoch = 0; // 0: the checkpoint's
    int m_max = 64;
    double m_opacity = 0.5;
};

} // namespace normlab::cli
