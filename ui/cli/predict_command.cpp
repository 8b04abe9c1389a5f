#include "predict_command.h"

#include "cli_app.h"
#include "dataset.h"
#include "errors.h"
#include "image_file.h"
#include "run_store.h"
#include "runs_commands.h"
#include "text_table.h"
#include "trained_model.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace normlab::cli {

void PredictCommand::addTo(CLI::App &app)
{
    m_command = app.add_subcommand(
            "predict", "A recorded run's top classes for image files (any size, resized to 32x32)");
    m_command->add_option("run", m_run, "Run id (or last)")->required();
    m_command->add_option("images", m_images, "PNG, JPEG or BMP files")->required();
    m_store.addTo(*m_command);
    m_command->add_option("--checkpoint", m_checkpoint, "best (lowest test loss) or last")
            ->check(CLI::IsMember({"best", "last"}))
            ->capture_default_str();
    m_command->add_option("--top", m_top, "Classes per image")
            ->check(CLI::Range(1, 1000))
            ->capture_default_str();
    m_command->add_flag("--json", m_json, "One JSON line per image instead of the table");
}

bool PredictCommand::parsed() const
{
    return m_command && m_command->parsed();
}

int PredictCommand::run() const
{
    RunStore store(m_store.resolved(), m_store.forReading());
    const std::int64_t id = parseRunId(store, m_run);
    TrainedModel model(store, id,
                       m_checkpoint == "last" ? TrainedModel::Checkpoint::Last
                                              : TrainedModel::Checkpoint::Best);
    std::vector<std::string> files;
    std::vector<std::vector<std::uint8_t>> images;
    bool failed = false;
    for (const std::string &path : m_images) {
        try {
            images.push_back(readImageAs32x32(path));
            files.push_back(path);
        } catch (const DataError &e) {
            std::fprintf(stderr, "normlab-cli: %s\n", e.what());
            failed = true;
        }
    }
    const std::vector<std::vector<float>> probabilities = model.predict(images);
    const std::vector<std::string> &names = model.classNames();
    auto nameOf = [&](std::size_t c) {
        return c < names.size() ? names[c] : "class " + std::to_string(c);
    };
    if (!m_json)
        std::printf("run %lld, %s checkpoint (epoch %d)\n", static_cast<long long>(id),
                    m_checkpoint.c_str(), model.epoch());
    for (std::size_t i = 0; i < images.size(); ++i) {
        const std::vector<float> &p = probabilities[i];
        std::vector<std::size_t> order(p.size());
        std::iota(order.begin(), order.end(), 0);
        const auto top = std::min<std::size_t>(static_cast<std::size_t>(m_top), order.size());
        std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(top),
                          order.end(), [&](std::size_t a, std::size_t b) { return p[a] > p[b]; });
        if (m_json) {
            nlohmann::json classes = nlohmann::json::array();
            for (std::size_t k = 0; k < top; ++k)
                classes.push_back({{"class", nameOf(order[k])}, {"probability", p[order[k]]}});
            std::printf("%s\n", nlohmann::json({{"file", files[i]}, {"run", id}, {"top", classes}})
                                        .dump()
                                        .c_str());
            continue;
        }
        std::printf("\n%s\n", files[i].c_str());
        TextTable table({"class", "probability"}, "lr");
        for (std::size_t k = 0; k < top; ++k)
            table.addRow({nameOf(order[k]), format("%.1f%%", 100.0 * p[order[k]])});
        table.print();
    }
    return failed ? BadInput : Success;
}

} // namespace normlab::cli
