#include "checkpoint.h"

#include "atomic_file.h"
#include "errors.h"

#include <filesystem>
#include <vector>

#include <archive.h>
#include <archive_entry.h>

namespace normlab {

namespace {

constexpr std::int64_t kFormatVersion = 1;

// Checks every entry of the checkpoint's zip archive against its CRC-32 before LibTorch reads
// it: LibTorch does not, and its TorchScript parser crashes (SIGSEGV) on some damaged code entries
// (found by fuzz_checkpoint). A file damaged on disk is then an InputError, not a crash.
void verifyArchive(const std::string &path)
{
    struct archive *a = archive_read_new();
    archive_read_support_format_zip_seekable(a);
    std::string problem;
    if (archive_read_open_filename(a, path.c_str(), 1 << 16) != ARCHIVE_OK) {
        problem = archive_error_string(a) ? archive_error_string(a) : "not a zip archive";
    } else {
        struct archive_entry *entry = nullptr;
        std::vector<char> buffer(1 << 16);
        int rc = ARCHIVE_OK;
        while (problem.empty() && (rc = archive_read_next_header(a, &entry)) == ARCHIVE_OK) {
            la_ssize_t n = 0;
            while ((n = archive_read_data(a, buffer.data(), buffer.size())) > 0) { }
            if (n < 0)
                problem = std::string(archive_entry_pathname(entry)) + ": " +
                          (archive_error_string(a) ? archive_error_string(a) : "unreadable");
        }
        if (problem.empty() && rc != ARCHIVE_EOF)
            problem = archive_error_string(a) ? archive_error_string(a) : "unreadable archive";
    }
    archive_read_free(a);
    if (!problem.empty())
        throw InputError(path + ": damaged checkpoint (" + problem + ")");
}

// Reads `path` into `root`, checking that it is a NormLab checkpoint of this format; throws
// InputError naming the file.
void openCheckpoint(const std::string &path, torch::serialize::InputArchive &root)
{
    if (!std::filesystem::exists(path))
        throw InputError(path + ": no such checkpoint");
    verifyArchive(path);
    // LibTorch reports a damaged archive as c10::Error, but a damaged TorchScript part of it as the
    // plain std::runtime_error of its parser (found by fuzz_checkpoint): both are a bad file.
    bool isCheckpoint = false;
    try {
        root.load_from(path);
        c10::IValue value;
        isCheckpoint = root.try_read("format_version", value) && value.isInt() &&
                       value.toInt() == kFormatVersion;
    } catch (const std::exception &) {
        throw InputError(path + ": not a readable checkpoint file");
    }
    if (!isCheckpoint)
        throw InputError(path + ": not a NormLab checkpoint (or from an incompatible version)");
}

} // namespace

void saveCheckpoint(const std::string &path, Net &model, torch::optim::Optimizer &optimizer,
                    const LrScheduler &scheduler, const CheckpointMeta &meta,
                    const WeightAverage *average)
{
    torch::serialize::OutputArchive root;
    torch::serialize::OutputArchive modelArchive;
    model->save(modelArchive);
    root.write("model", modelArchive);
    torch::serialize::OutputArchive optimizerArchive;
    optimizer.save(optimizerArchive);
    root.write("optimizer", optimizerArchive);
    if (average) {
        torch::serialize::OutputArchive averageArchive;
        average->save(averageArchive);
        root.write("weight_average", averageArchive);
    }

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

    // Serialised in memory, then written whole: LibTorch's file writer throws from its destructor
    // when the disk is full (an abort during unwinding) and leaves its temporary file behind.
    std::string bytes;
    root.save_to([&bytes](const void *data, std::size_t size) {
        bytes.append(static_cast<const char *>(data), size);
        return size;
    });
    writeFileAtomically(path, bytes); // InputError naming the file, temporary file removed
}

CheckpointMeta loadCheckpoint(const std::string &path, Net &model,
                              torch::optim::Optimizer &optimizer, LrScheduler &scheduler,
                              WeightAverage *average)
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
        if (average) {
            torch::serialize::InputArchive averageArchive;
            root.read("weight_average", averageArchive);
            average->load(averageArchive);
        }
    } catch (const std::exception &) { // c10::Error, or a TorchScript parser's runtime_error
        throw InputError(path + ": does not match this model's configuration");
    }
    // A key missing or of another type is a damaged file, not a LibTorch failure.
    const auto value = [&](const char *key, bool (c10::IValue::*isType)() const) {
        c10::IValue v;
        if (!root.try_read(key, v) || !(v.*isType)())
            throw InputError(path + ": damaged checkpoint (no valid '" + key + "')");
        return v;
    };
    const auto integer = [&](const char *key) { return value(key, &c10::IValue::isInt).toInt(); };
    const auto number = [&](const char *key) {
        return value(key, &c10::IValue::isDouble).toDouble();
    };
    LrScheduler::State s;
    s.lr = number("scheduler_lr");
    s.best = number("scheduler_best");
    s.badEpochs = static_cast<int>(integer("scheduler_bad_epochs"));
    s.epochsSeen = static_cast<int>(integer("scheduler_epochs"));
    s.batchesSeen = integer("scheduler_batches");
    scheduler.restore(s);

    CheckpointMeta meta;
    meta.epoch = static_cast<int>(integer("epoch"));
    meta.bestTestLoss = number("best_test_loss");
    meta.bestEpoch = static_cast<int>(integer("best_epoch"));
    meta.configJson = value("config", &c10::IValue::isString).toStringRef();
    try {
        at::Tensor rng;
        root.read("cpu_rng", rng, /*is_buffer=*/true);
        at::Generator generator = at::detail::getDefaultCPUGenerator();
        generator.set_state(rng);
    } catch (const std::exception &) {
        throw InputError(path + ": damaged checkpoint (no valid random state)");
    }
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
        torch::serialize::InputArchive averageArchive;
        if (root.try_read("weight_average", averageArchive)) {
            WeightAverage average(model, 0.0);
            average.load(averageArchive);
            average.swap();
        }
        c10::IValue epoch;
        root.read("epoch", epoch);
        return static_cast<int>(epoch.toInt());
    } catch (const std::exception &) {
        throw InputError(path + ": does not match this model's configuration");
    }
}

} // namespace normlab
