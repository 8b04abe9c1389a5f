#include "gradcam_command.h"

#include "cli_app.h"
#include "dataset.h"
#include "errors.h"
#include "mistake_grid.h"
#include "run_store.h"
#include "run_test_data.h"
#include "runs_commands.h"
#include "trained_model.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace normlab::cli {

namespace {

void writePng(const PngImage &png, const std::filesystem::path &path)
{
    std::ofstream file(path, std::ios::binary);
    file.write(reinterpret_cast<const char *>(png.bytes.data()),
               static_cast<std::streamsize>(png.bytes.size()));
    if (!file.flush())
        throw InputError(path.string() + ": cannot be written");
    std::printf("%s\n", path.string().c_str());
}

} // namespace

void GradCamCommand::addTo(CLI::App &app)
{
    m_command = app.add_subcommand(
            "gradcam", "Where a run looked when it got test images wrong: Grad-CAM grids as PNG");
    m_command->add_option("run", m_run, "Run id (or last)")->required();
    m_command->add_option("--out", m_out, "Folder for the PNG files")->required();
    m_store.addTo(*m_command);
    m_command->add_option("--checkpoint", m_checkpoint, "best (lowest test loss) or last")
            ->check(CLI::IsMember({"best", "last"}))
            ->capture_default_str();
    m_command->add_option("--epoch", m_epoch,
                          "The epoch to draw; only the best and the last checkpoint's can be");
    m_command->add_option("--data", m_data,
                          "The run's test data where its recorded folder no longer reads: "
                          "cifar10 or a path");
    m_command->add_option("--layer", m_layer,
                          "Conv block to look at (default: the last before the pool)");
    m_command->add_option("--max", m_max, "Mistakes drawn, most confident first")
            ->check(CLI::Range(1, 10000))
            ->capture_default_str();
    m_command->add_option("--opacity", m_opacity, "Of the heat map over the image")
            ->check(CLI::Range(0.0, 1.0))
            ->capture_default_str();
}

bool GradCamCommand::parsed() const
{
    return m_command && m_command->parsed();
}

int GradCamCommand::run() const
{
    RunStore store(m_store.resolved(), m_store.forReading());
    const std::int64_t id = parseRunId(store, m_run);
    const RunRecord record = store.run(id);
    std::string which = m_checkpoint;
    if (m_epoch > 0) {
        // Only two checkpoints are kept: an epoch is drawable when one of them is from it.
        const int last = record.epochsDone, best = record.bestCheckpointEpoch;
        if (m_epoch == best)
            which = "best";
        else if (m_epoch == last)
            which = "last";
        else
            throw InputError("--epoch " + std::to_string(m_epoch) + ": run " + std::to_string(id) +
                             " keeps checkpoints of epoch " + std::to_string(best) +
                             " (best: lowest test loss) and " + std::to_string(last) +
                             " (last) only; those can be drawn");
    }
    TrainedModel model(store, id,
                       which == "last" ? TrainedModel::Checkpoint::Last
                                       : TrainedModel::Checkpoint::Best);
    if (m_epoch > 0 && model.epoch() != m_epoch) // the run trains on and replaced the file
        throw InputError("--epoch " + std::to_string(m_epoch) + ": run " + std::to_string(id) +
                         "'s " + which + " checkpoint now holds epoch " +
                         std::to_string(model.epoch()));
    const std::string layer = m_layer.empty() ? model.defaultCamLayer() : m_layer;
    try {
        model.requireCamLayer(layer); // before any file is written
    } catch (const InputError &e) {
        throw InputError("--layer " + layer + ": run " + std::to_string(id) + ": " + e.what());
    }
    const int epoch = model.epoch();
    std::vector<Misclassified> mistakes = store.misclassified(id, epoch);
    if (mistakes.empty()) {
        std::printf("run %lld made no recorded mistake at epoch %d\n", static_cast<long long>(id),
                    epoch);
        return Success;
    }
    std::stable_sort(mistakes.begin(), mistakes.end(),
                     [](const Misclassified &a, const Misclassified &b) {
                         return a.confidence > b.confidence;
                     });
    if (static_cast<int>(mistakes.size()) > m_max)
        mistakes.resize(static_cast<std::size_t>(m_max));
    const DatasetPair data = loadRunTestData(record, m_data);
    if (!record.datasetFingerprint.empty() && !isRecordedData(record, data))
        throw DataError("the test images of \"" + (data.path.empty() ? data.kind : data.path) +
                        "\" are not those run " + std::to_string(id) +
                        " recorded its mistakes on (their fingerprint differs)");
    std::vector<std::vector<std::uint8_t>> images;
    for (const Misclassified &m : mistakes) {
        if (m.index < 0 || static_cast<std::size_t>(m.index) >= data.test.size())
            throw DataError("run " + std::to_string(id) + " recorded test image " +
                            std::to_string(m.index) + ", outside the test set of " +
                            std::to_string(data.test.size()) + " images: is it the same data?");
        const std::uint8_t *p = data.test.image(static_cast<std::size_t>(m.index));
        images.emplace_back(p, p + Dataset::kImageBytes);
    }
    std::error_code error;
    std::filesystem::create_directories(m_out, error);
    if (!std::filesystem::is_directory(m_out))
        throw InputError("--out " + m_out + ": not a folder that can be created");
    const std::string base = "run" + std::to_string(id) + "-epoch" + std::to_string(epoch);
    const std::filesystem::path out(m_out);
    std::printf("run %lld, epoch %d (%s checkpoint), layer %s, %zu mistakes:\n",
                static_cast<long long>(id), epoch, which.c_str(), layer.c_str(), mistakes.size());
    writePng(misclassifiedGridPng(data.test, mistakes, model.classNames(), m_max),
             out / (base + "-mistakes.png"));
    // The predicted class: why the net said what it said.
    std::vector<std::vector<float>> predicted;
    for (const TrainedModel::Cam &cam : model.gradCam(images, layer))
        predicted.push_back(cam.heat);
    writePng(misclassifiedGridPng(data.test, mistakes, model.classNames(), m_max, predicted,
                                  m_opacity),
             out / (base + "-" + layer + "-predicted.png"));
    // The true class: where the evidence for the right answer was.
    std::vector<int> trueClasses;
    for (const Misclassified &m : mistakes)
        trueClasses.push_back(m.trueLabel);
    std::vector<std::vector<float>> truth;
    for (const TrainedModel::Cam &cam : model.gradCam(images, layer, trueClasses))
        truth.push_back(cam.heat);
    writePng(misclassifiedGridPng(data.test, mistakes, model.classNames(), m_max, truth, m_opacity),
             out / (base + "-" + layer + "-true.png"));
    return Success;
}

} // namespace normlab::cli
