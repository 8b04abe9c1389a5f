#include "evaluate_command.h"

#include "cli_app.h"
#include "config_limits.h"
#include "dataset.h"
#include "run_store.h"
#include "run_test_data.h"
#include "runs_commands.h"
#include "trained_model.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>

namespace normlab::cli {

namespace {

std::string describeViews(bool flip, int shift)
{
    std::string text = "the image";
    if (shift > 0)
        text += " and its shifts by " + std::to_string(shift) + " px left, right, up and down";
    if (flip)
        text += shift > 0 ? ", each also mirrored" : " and its mirror image";
    return text;
}

} // namespace

void EvaluateCommand::addTo(CLI::App &app)
{
    m_command = app.add_subcommand(
            "evaluate", "A recorded run's checkpoint on its test set again, with its own or other "
                        "test-time views (records nothing)");
    m_command->add_option("run", m_run, "Run id (or last)")->required();
    m_store.addTo(*m_command);
    m_command->add_option("--checkpoint", m_checkpoint, "best (lowest test loss) or last")
            ->check(CLI::IsMember({"best", "last"}))
            ->capture_default_str();
    m_command->add_option("--data", m_data,
                          "The data to test on (default: the run's): cifar10 or a path");
    CLI::Option *flip = m_command->add_flag("--tta-flip", m_flip, "Also each test image mirrored");
    CLI::Option *noFlip = m_command->add_flag("--no-tta-flip", m_noFlip, "Not mirrored");
    flip->excludes(noFlip);
    m_command
            ->add_option("--tta-shift", m_shift,
                         "Also each test image moved this many pixels left, right, up and "
                         "down (0: not; default: as the run)")
            ->check(CLI::Range(0, limits::kMaxTestTimeShift));
    m_command->add_flag("--json", m_json, "One JSON line instead of the text");
}

bool EvaluateCommand::parsed() const
{
    return m_command && m_command->parsed();
}

int EvaluateCommand::run() const
{
    RunStore store(m_store.resolved(), m_store.forReading());
    const std::int64_t id = parseRunId(store, m_run);
    const RunRecord record = store.run(id);
    TrainedModel model(store, id,
                       m_checkpoint == "last" ? TrainedModel::Checkpoint::Last
                                              : TrainedModel::Checkpoint::Best);
    const bool flip = m_flip || (!m_noFlip && model.testTimeFlip());
    const int shift = m_shift >= 0 ? m_shift : model.testTimeShift();
    const DatasetPair data = loadRunTestData(record, m_data);
    const TestScore score = model.evaluate(data.test, flip, shift);

    // What the run recorded at the checkpoint's epoch, when it is the data it was tested on
    // (found again with --data where the run's recorded folder no longer reads).
    const bool sameData = isRecordedData(record, data);
    double recorded = -1;
    for (const EpochMetrics &e : store.epochs(id))
        if (e.epoch == model.epoch() && sameData)
            recorded = e.testAccuracy;
    const bool asRecorded =
            flip == model.testTimeFlip() && shift == model.testTimeShift() && sameData;
    if (m_json) {
        nlohmann::json line = {{"run", id},
                               {"checkpoint", m_checkpoint},
                               {"epoch", model.epoch()},
                               {"test_time_flip", flip},
                               {"test_time_shift", shift},
                               {"views", score.views},
                               {"images", score.images},
                               {"test_loss", score.loss},
                               {"test_accuracy", score.accuracy},
                               {"seconds", score.seconds}};
        if (recorded >= 0)
            line["recorded_test_accuracy"] = recorded;
        // null: a run recorded before fingerprints were cannot be matched either way.
        line["recorded_data"] =
                record.datasetFingerprint.empty() ? nlohmann::json() : nlohmann::json(sameData);
        std::printf("%s\n", line.dump().c_str());
        return Success;
    }
    std::printf("run %lld, %s checkpoint (epoch %d), %lld test images\n",
                static_cast<long long>(id), m_checkpoint.c_str(), model.epoch(),
                static_cast<long long>(score.images));
    if (record.datasetFingerprint.empty())
        std::printf("data: the run recorded no fingerprint of its images, so they cannot be "
                    "matched and there is no recorded accuracy to compare with\n");
    else if (!sameData)
        std::printf("data: %s, not the test images the run recorded (another fingerprint), so "
                    "no recorded accuracy to compare with\n",
                    m_data.empty() ? "the run's recorded folder" : m_data.c_str());
    std::printf("views: %s (%d per image)%s\n", describeViews(flip, shift).c_str(), score.views,
                asRecorded ? ", as the run evaluated" : "");
    std::printf("test loss %.4f, test accuracy %.2f %%", score.loss, score.accuracy);
    if (recorded >= 0)
        std::printf(" (recorded at epoch %d with %s: %.2f %%)", model.epoch(),
                    asRecorded ? "these views" : "its own views", recorded);
    std::printf("\n%.1f s, %.0f images/s\n", score.seconds,
                score.seconds > 0 ? static_cast<double>(score.images) / score.seconds : 0.0);
    return Success;
}

} // namespace normlab::cli
