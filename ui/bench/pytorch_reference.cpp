#include "pytorch_reference.h"

#include "config.h"
#include "config_json.h"
#include "model_spec.h"
#include "model_spec_json.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace normlab::cli {

namespace {

std::string shellQuoted(const std::string &text)
{
    std::string quoted = "'";
    for (const char c : text)
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

struct Outcome
{
    int exitCode = -1;
    std::string output; // stdout and stderr together
};

Outcome run(const std::string &command)
{
    Outcome outcome;
    FILE *pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (!pipe)
        return outcome;
    std::array<char, 4096> buffer {};
    while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe))
        outcome.output.append(buffer.data(), n);
    const int status = ::pclose(pipe);
    outcome.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return outcome;
}

nlohmann::json specOf(const ExperimentConfig &config, int trainImages, int testImages, int epochs)
{
    nlohmann::json spec = toJson(buildModelSpec(config.model));
    const nlohmann::json json = toJson(config);
    spec.update({{"preset", config.preset},
            {"augment", json.at("augment")},
            {"normalize", json.at("normalize")},
            {"batch_size", config.batchSize},
            {"eval_batch_size", config.evalBatchSize},
            {"threads", config.threads},
            // PyTorch at its own faster layout (measured with its unfused ops): channels-last for
            // BatchNorm only, whatever NormLab uses.
            {"channels_last", config.model.norm == NormKind::Batch},
            {"train_images", trainImages},
            {"test_images", testImages},
            {"epochs", epochs}});
    return spec;
}

} // namespace

std::string defaultReferenceScript()
{
    return NORMLAB_SOURCE_DIR "/tests/reference/bench_pytorch.py";
}

PytorchReference::PytorchReference(std::string python, std::string script)
    : m_python(std::move(python)), m_script(std::move(script))
{
}

std::string PytorchReference::unavailable() const
{
    if (!fs::is_regular_file(m_script))
        return m_script + ": no such file (give the reference script with --reference)";
    const Outcome probe = run(shellQuoted(m_python) + " -c 'import torch, torchvision'");
    if (probe.exitCode != 0)
        return m_python + " cannot import torch and torchvision (apt install python3-torch " +
                "python3-torchvision, and use Debian's /usr/bin/python3)";
    return {};
}

ReferenceResult PytorchReference::measure(const ExperimentConfig &config, int trainImages,
                                          int testImages, int epochs) const
{
    ReferenceResult result;
    const fs::path spec = fs::temp_directory_path() /
            ("normlab-bench-" + std::to_string(::getpid()) + "-" + config.preset + ".json");
    {
        std::ofstream out(spec);
        out << specOf(config, trainImages, testImages, epochs).dump(2) << '\n';
        if (!out) {
            result.error = spec.string() + ": cannot write the spec";
            return result;
        }
    }
    const Outcome outcome = run(shellQuoted(m_python) + " " + shellQuoted(m_script) + " --spec " +
                                shellQuoted(spec.string()));
    std::error_code ec;
    fs::remove(spec, ec);
    // The result is the last line; anything before it is the script's or torch's own output.
    const std::size_t end = outcome.output.find_last_not_of('\n');
    std::string last;
    if (end != std::string::npos) {
        const std::size_t newline = outcome.output.rfind('\n', end);
        const std::size_t start = newline == std::string::npos ? 0 : newline + 1;
        last = outcome.output.substr(start, end + 1 - start);
    }
    const auto json = nlohmann::json::parse(last, nullptr, false);
    if (outcome.exitCode != 0 || !json.is_object() || !json.contains("train_images_per_second")) {
        result.error = "the PyTorch reference failed (exit " + std::to_string(outcome.exitCode) +
                "): " + outcome.output;
        return result;
    }
    result.trainImagesPerSecond = json.at("train_images_per_second").get<double>();
    result.evalImagesPerSecond = json.at("eval_images_per_second").get<double>();
    result.parameters = json.at("parameters").get<std::int64_t>();
    result.evalBatchSize = json.value("eval_batch_size", config.evalBatchSize);
    return result;
}

} // namespace normlab::cli
