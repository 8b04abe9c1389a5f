#include "checkpoint.h"

#include "errors.h"

#include <filesystem>

namespace normlab {

namespace {

constexpr std::int64_t kFormatVersion = 1;

// Reads `path` into `root`, checking that it is a NormLab checkpoint of this format; throws
// InputError naming the file.
void openCheckpoint(const std::string &path, torch::serialize::InputArchive &root)
{
    if (!std::filesystem::exists(path))
        throw InputError(path + ": no such checkpoint");
    try {
        root.load_from(path);
    } catch (const c10::Error &) {
        throw InputError(path + ": not a readable checkpoint file");
    }
    c10::IValue value;
    if (!root.try_read("format_version", value) || value.toInt() != kFormatVersion)
        throw InputError(path + ": not a NormLab checkpoint (or from an incompatible version)");
}

} // namespace

void saveCheckpoint(const std::string &path, Net &model, torch::optim::Optimizer &optimizer,
                    const LrScheduler &scheduler, const CheckpointMeta &meta)
{
    torch::serialize::OutputArchive root;
    torch::serialize::OutputArchive modelArchive;
    model->save(modelArchive);
    root.write("model", modelArchive);
    torch::serialize::OutputArchive optimizerArchive;
    optimizer.save(optimizerArchive);
    root.write("optimizer", optimizerArchive);

    const LrScheduler::State &s = scheduler.state();
    root.write("format_version", c10::IValue(kFormatVersion));
    root.write("scheduler_lr", c10::IValue(s.lr));
    root.write("scheduler_best", c10::IValue(s.best));
    root.write("scheduler_bad_epochs", c10::IValue(static_cast<std::int64_t>(s.badEpochs)));
    root.write("scheduler_epochs", c10::IValue(static_cast<std::int64_t>(s.epochsSeen)));
    root.write("scheduler_batches", c10::IValue(static_cast<std::int64_t>(s.batchesSeen)));
    root.write("epoch", c10::IValue(static_cast<std::int64_t>(meta.epoch)));
    root.write("best_test_loss", c10::IValue(meta.bestTestLoss));
    root.write("best_epoch", c10::IValue(static_cast<std::int64_t>(meta.bestEpoch)));
    root.write("config", c10::IValue(meta.configJson));
    root.write("cpu_rng", at::detail::getDefaultCPUGenerator().get_state(), /*is_buffer=*/true);

    const std::string tmp = path + ".tmp";
    root.save_to(tmp);
    std::filesystem::rename(tmp, path);
}

CheckpointMeta loadCheckpoint(const std::string &path, Net &model, torch::optim::Optimizer &optimizer,
                              LrScheduler &scheduler)
{
    torch::serialize::InputArchive root;
    openCheckpoint(path, root);
    try {
        torch::serialize::InputArchive modelArchive;
        root.read("model", modelArchive);
        model->load(modelArchive);
        torch::serialize::InputArchive optimizerArchive;
        root.read("optimizer", optimizerArchive);
        optimizer.load(optimizerArchive);
    } catch (const c10::Error &e) {
        throw InputError(path + ": does not match this model's configuration");
    }
    auto readValue = [&](const char *key) {
        c10::IValue v;
        root.read(key, v);
        return v;
    };
    LrScheduler::State s;
    s.lr = readValue("scheduler_lr").toDouble();
    s.best = readValue("scheduler_best").toDouble();
    s.badEpochs = static_cast<int>(readValue("scheduler_bad_epochs").toInt());
    s.epochsSeen = static_cast<int>(readValue("scheduler_epochs").toInt());
    s.batchesSeen = readValue("scheduler_batches").toInt();
    scheduler.restore(s);

    CheckpointMeta meta;
    meta.epoch = static_cast<int>(readValue("epoch").toInt());
    meta.bestTestLoss = readValue("best_test_loss").toDouble();
    meta.bestEpoch = static_cast<int>(readValue("best_epoch").toInt());
    meta.configJson = readValue("config").toStringRef();
    at::Tensor rng;
    root.read("cpu_rng", rng, /*is_buffer=*/true);
    at::Generator generator = at::detail::getDefaultCPUGenerator();
    generator.set_state(rng);
    return meta;
}

int loadCheckpointModel(const std::string &path, Net &model)
{
    torch::serialize::InputArchive root;
    openCheckpoint(path, root);
    try {
        torch::serialize::InputArchive modelArchive;
        root.read("model", modelArchive);
        model->load(modelArchive);
        c10::IValue epoch;
        root.read("epoch", epoch);
        return static_cast<int>(epoch.toInt());
    } catch (const c10::Error &) {
        throw InputError(path + ": does not match this model's configuration");
    }
}

} // namespace normlab
